/**
 * How each Nexmark job's output is read to compare it with its reference computation: appended
 * rows as a multiset, an upsert stream as its final table (the last row per key), q12's
 * wall-clock windows by what they add up to, q10's partition columns from its bucket paths.
 * Shared by `jobs.test.ts` and `bench/nexmark.bench.ts`.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { NexmarkQueryName } from './reference/index.js';

export type Row = Record<string, unknown>;

/** One committed part file: its bucket directory (relative, '' for none) and its JSON rows. */
export interface Part {
  readonly bucket: string;
  /** The writer's run (`part-<run>-<subtask>-<n>`): random, so parts of different runs of a subtask (after a restore) come in no particular order. */
  readonly run: string;
  readonly subtask: number;
  readonly rows: Row[];
}

/** How a query's output is read (every field optional: plain appended rows). */
export interface NexmarkOutput {
  /** An updating query: its output is an upsert stream on this key. */
  readonly upsertKey?: (r: Row) => string;
  /** Turns a committed part's rows into the reference's rows (e.g. adds partition columns). */
  readonly readRows?: (part: Part) => Row[];
  /** Turns all rows into what the reference computes (e.g. totals over windows of the wall clock). */
  readonly finalRows?: (rows: Row[]) => Row[];
  /**
   * A number of each row whose sum over a run's rows the reference's rows give too, however the
   * rows fall (q12: the bids its windows counted). Cheap enough for the bench to check on every
   * run, where it keeps the rows of the first only.
   */
  readonly tally?: (r: Row) => number;
}

/** q12's checkable part: per bidder, the bids of all its processing-time windows. */
function totalsPerBidder(rows: Row[]): Row[] {
  const totals = new Map<number, number>();
  for (const r of rows) totals.set(r.bidder as number, (totals.get(r.bidder as number) ?? 0) + (r.bid_count as number));
  return [...totals].map(([bidder, bid_count]) => ({ bidder, bid_count }));
}

/**
 * q10's rows with the partition columns of their bucket `dt=…/hm=…`, its values unescaped as
 * Flink's file system table reads them (`hm=00%3A00` is `00:00`).
 */
function withPartitionColumns(part: Part): Row[] {
  const m = /^dt=(\d{4}-\d{2}-\d{2})[/\\]hm=(\d{2})%3A(\d{2})$/.exec(part.bucket);
  if (!m) throw new Error(`not a dt=…/hm=… partition: ${part.bucket}`);
  return part.rows.map((r) => ({ ...r, dt: m[1], hm: `${m[2]}:${m[3]}` }));
}

/** The runnable queries (all but q6) and how each one's output is read. */
export const NEXMARK_OUTPUTS: Readonly<Record<Exclude<NexmarkQueryName, 'q6'>, NexmarkOutput>> = {
  q0: {},
  q1: {},
  q2: {},
  q3: {},
  q4: { upsertKey: (r) => String(r.id) },
  q5: {},
  q7: {},
  q8: {},
  q9: { upsertKey: (r) => String(r.id) },
  q10: { readRows: withPartitionColumns },
  q11: {},
  q12: { finalRows: totalsPerBidder, tally: (r) => r.bid_count as number },
  q13: {},
  q14: {},
  q15: { upsertKey: (r) => String(r.day) },
  q16: { upsertKey: (r) => `${r.channel} ${r.day}` },
  q17: { upsertKey: (r) => `${r.auction} ${r.day}` },
  q18: { upsertKey: (r) => `${r.bidder} ${r.auction}` },
  q19: { upsertKey: (r) => `${r.auction} ${r.rank_number}` },
  q20: {},
  q21: {},
  q22: {},
};

export type RunnableQuery = keyof typeof NEXMARK_OUTPUTS;

/** The runnable queries in Nexmark's order. */
export const RUNNABLE_QUERIES = Object.keys(NEXMARK_OUTPUTS) as RunnableQuery[];

/**
 * The committed (visible) part files under `dir`, each subtask's in the order it wrote them
 * (`part-<run>-<subtask>-<n>`, by n), so updates to one key read in their order.
 */
export function committedParts(dir: string): Part[] {
  const files: { rel: string; bucket: string; order: [string, number, number] }[] = [];
  const walk = (abs: string) => {
    for (const e of readdirSync(abs, { withFileTypes: true })) {
      const p = join(abs, e.name);
      if (e.isDirectory()) walk(p);
      else if (!e.name.startsWith('.')) {
        const m = /^part-([0-9a-f]+)-(\d+)-(\d+)$/.exec(e.name);
        if (!m) throw new Error(`unexpected file ${p}`);
        files.push({ rel: relative(dir, p), bucket: relative(dir, abs), order: [m[1]!, Number(m[2]), Number(m[3])] });
      }
    }
  };
  if (existsSync(dir)) walk(dir);
  files.sort((a, b) => (a.bucket < b.bucket ? -1 : a.bucket > b.bucket ? 1 : 0) || (a.order[0] < b.order[0] ? -1 : a.order[0] > b.order[0] ? 1 : 0) || a.order[1] - b.order[1] || a.order[2] - b.order[2]);
  return files.map((f) => ({
    bucket: f.bucket,
    run: f.order[0],
    subtask: f.order[1],
    rows: readFileSync(join(dir, f.rel), 'utf8')
      .split('\n')
      .filter((l) => l.length > 0)
      .map((l) => JSON.parse(l) as Row),
  }));
}

/** An upsert stream's final table: the last row per key. */
export function lastPerKey(rows: Iterable<Row>, key: (r: Row) => string): Row[] {
  const table = new Map<string, Row>();
  for (const r of rows) table.set(key(r), r);
  return [...table.values()];
}

/**
 * Throws if a subtask's parts come from more than one run: their order is then unknown, and an
 * upsert stream's last row per key could be an older one.
 */
export function checkOneRunPerSubtask(parts: readonly Part[]): void {
  const runs = new Map<number, string>();
  for (const p of parts) {
    const seen = runs.get(p.subtask);
    if (seen !== undefined && seen !== p.run) throw new Error(`subtask ${p.subtask} wrote parts in runs ${seen} and ${p.run}: their order is unknown`);
    runs.set(p.subtask, p.run);
  }
}

/** What a job's rows (in output order) come to, to compare with the reference's rows. */
export function resultTable(output: NexmarkOutput, rows: Row[]): Row[] {
  let table = rows;
  if (output.upsertKey) table = lastPerKey(table, output.upsertKey);
  if (output.finalRows) table = output.finalRows(table);
  return table;
}

/** Rows as sorted JSON lines: a multiset to compare order-free. */
export const asMultiset = (rows: readonly object[]): string[] => rows.map((r) => JSON.stringify(r)).sort();
