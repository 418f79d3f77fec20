import type { Grid, GridColumn } from './bench.js';
import { type Figure, type Ratio, type Unit, higherIsBetter } from './figures.js';
import type { BenchResult } from './run-bench.js';

/** Three significant digits, no exponent. */
function sig(v: number): string {
  const a = Math.abs(v);
  const digits = a >= 100 ? 0 : a >= 10 ? 1 : 2;
  return v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** A count as a bench's title names it: 10M, 600k, 500. */
export function shortCount(n: number): string {
  return n >= 1e6 ? `${n / 1e6}M` : n >= 1e3 ? `${n / 1e3}k` : String(n);
}

/** A scale for a unit chosen from a representative value, so a median and its spread read alike. */
function scaleFor(unit: Unit, v: number): { readonly div: number; readonly unit: string } {
  if (unit === 'bytes') return v >= 2 ** 20 ? { div: 2 ** 20, unit: 'MiB' } : v >= 1024 ? { div: 1024, unit: 'KiB' } : { div: 1, unit: 'B' };
  if (unit === 'ms') return v >= 1000 ? { div: 1000, unit: 's' } : { div: 1, unit: 'ms' };
  return v >= 1e6 ? { div: 1e6, unit: `M ${unit}` } : v >= 1e3 ? { div: 1e3, unit: `k ${unit}` } : { div: 1, unit };
}

export function formatValue(f: Figure): string {
  const s = scaleFor(f.unit, f.median);
  return `${sig(f.median / s.div)} ${s.unit}`;
}

export function formatSpread(f: Figure): string {
  const s = scaleFor(f.unit, f.median);
  const [lo, hi] = [sig(f.min / s.div), sig(f.max / s.div)];
  return lo === hi ? '' : `${lo}–${hi}`;
}

function times(r: number): string {
  return `${r >= 10 ? Math.round(r).toLocaleString('en-US') : sig(r)}×`;
}

/**
 * "0.31× hand-written loop (0.29–0.33)" for rates; "49× smaller than full (48–50)" or
 * "1.2× slower than …" for sizes and durations, whichever way the median points.
 */
export function formatRatio(unit: Unit, r: Ratio): string {
  const spread = (lo: number, hi: number) => (times(lo) === times(hi) ? '' : ` (${times(lo).slice(0, -1)}–${times(hi)})`);
  if (higherIsBetter(unit)) return `${times(r.median)} ${r.vs}${spread(r.min, r.max)}`;
  if (times(r.median) === '1.00×') return `about the same as ${r.vs}${spread(r.min, r.max)}`;
  const [better, worse] = unit === 'bytes' ? ['smaller', 'larger'] : ['shorter', 'longer'];
  if (r.median >= 1) return `${times(r.median)} ${better} than ${r.vs}${spread(r.min, r.max)}`;
  return `${times(1 / r.median)} ${worse} than ${r.vs}${spread(1 / r.max, 1 / r.min)}`;
}

function row(f: Figure): [string, string, string, string] {
  return [f.label, formatValue(f), formatSpread(f), f.ratios.map((r) => formatRatio(f.unit, r)).join('; ')];
}

/** A grid cell: a figure's median (and spread), one of its ratios, or the column's text. */
function gridCell(figures: ReadonlyMap<string, Figure>, row: string, c: GridColumn): string {
  if ('text' in c) return c.text[row] ?? '–';
  const f = figures.get(`${row} ${c.figure}`);
  if (f === undefined) return '–';
  if (c.ratio !== undefined) {
    const r = f.ratios.find((x) => x.vs === c.ratio);
    return r === undefined ? '–' : times(r.median);
  }
  const spread = formatSpread(f);
  return spread === '' ? formatValue(f) : `${formatValue(f)} (${spread})`;
}

/** The grid's header and its rows of cells, the row name first. */
function gridRows(r: BenchResult, grid: Grid): string[][] {
  const figures = new Map(r.figures.map((f) => [f.label, f]));
  const shown = grid.rows.filter((row) => grid.columns.some((c) => !('text' in c) && figures.has(`${row} ${c.figure}`)));
  return [[grid.corner, ...grid.columns.map((c) => c.header)], ...shown.map((row) => [row, ...grid.columns.map((c) => gridCell(figures, row, c))])];
}

/** "10,000,000" for numbers; params a reader needs to reproduce the run. */
function formatParams(r: BenchResult): string {
  return Object.entries(r.params)
    .map(([k, v]) => `${k}=${typeof v === 'number' ? v.toLocaleString('en-US') : String(v)}`)
    .join(' ');
}

/** When, where and how: the line every table carries. */
export function formatMeasured(r: BenchResult): string {
  const m = r.measured;
  const rounds = `median of ${r.params.rounds} round${r.params.rounds === 1 ? '' : 's'} after ${r.params.warmups} warm-up${r.params.warmups === 1 ? '' : 's'}`;
  const loaded = r.provisional ? ' Provisional: measured on a loaded, shared machine; to be measured again.' : '';
  return (
    `Measured ${m.date.slice(0, 10)} at commit ${m.commit.slice(0, 7)}${m.commit.endsWith('+changes') ? '+changes' : ''} ` +
    `on ${m.cores} × ${m.cpu}, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node} (load ${m.load} at start); ${rounds}; ` +
    `${r.size === 'full' ? '' : `${r.size} size, `}${formatParams(r)}.${loaded}`
  );
}

/** As `npm run bench` prints a result. */
export function renderText(r: BenchResult): string {
  const lines = [`\n${r.name}: ${r.title}`, `  ${formatMeasured(r)}`];
  if (r.grid) {
    const cells = gridRows(r, r.grid);
    const w = cells[0]!.map((_, i) => Math.max(...cells.map((x) => x[i]!.length)));
    for (const x of cells) lines.push(`  ${x.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ')}`.trimEnd());
  } else {
    const rows = r.figures.map(row);
    const w = [0, 1, 2].map((i) => Math.max(...rows.map((x) => x[i]!.length)));
    for (const x of rows) lines.push(`  ${x[0].padEnd(w[0]!)}  ${x[1].padStart(w[1]!)}  ${(x[2] ? `(${x[2]})` : '').padEnd(w[2]! + 2)}  ${x[3]}`.trimEnd());
  }
  for (const note of r.notes) lines.push(`  note: ${note}`);
  lines.push(`  checked: ${r.checks.join('; ')}`);
  return lines.join('\n');
}

/** As the README shows a result: a title, a table, and when and on what it was measured. */
export function renderMarkdown(r: BenchResult): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  const line = (cells: readonly string[]) => `| ${cells.map(cell).join(' | ')} |`;
  const lines = [`**${r.title}** (\`npm run bench -- ${r.name}\`): ${r.description}`, ''];
  if (r.grid) {
    const [header, ...rows] = gridRows(r, r.grid);
    lines.push(line(header!), line(header!.map(() => '---')), ...rows.map(line), '');
  } else {
    lines.push('| | median | spread (min–max) | vs baseline: median (min–max) |', '| --- | --- | --- | --- |', ...r.figures.map((f) => line(row(f))), '');
  }
  for (const note of r.notes) lines.push(`${note}`, '');
  lines.push(`<sub>${formatMeasured(r)}</sub>`);
  return lines.join('\n');
}
