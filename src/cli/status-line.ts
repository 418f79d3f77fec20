import type { JobMetricsSnapshot, MetricSample } from '../metadata/index.js';
import { formatSize } from './format-size.js';

/** Records per second, short: `950`, `12.3k`, `4.51M`. */
function rate(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return String(Math.round(n));
}

/** Event times after 2000-01-01 as ISO instants; anything else (tests' small numbers) as is. */
function watermarkText(w: number | undefined): string {
  if (w === undefined) return 'none';
  return w >= 946_684_800_000 && w <= 8.64e15 ? new Date(w).toISOString() : String(w);
}

/**
 * The job's watermark as the status line shows it: the lowest input watermark of the tasks that
 * read from other tasks (a source has none of its own); undefined while any of them has none.
 */
export function jobWatermark(snapshot: JobMetricsSnapshot): number | undefined {
  let low: number | undefined;
  for (const t of snapshot.tasks) {
    if (t.source) continue;
    if (t.currentInputWatermark === undefined) return undefined;
    low = low === undefined ? t.currentInputWatermark : Math.min(low, t.currentInputWatermark);
  }
  return low;
}

/**
 * The live line of an attached `flink run`:
 * `2000 rec/s in · 2000 rec/s out · watermark none · checkpoint 7: 1.0 KiB in 28 ms`,
 * cut to `width` columns so it never wraps (a wrapped line cannot be redrawn in place).
 */
export function formatStatusLine(snapshot: JobMetricsSnapshot, sample: MetricSample, width = 120): string {
  const j = snapshot.job;
  const checkpoint =
    j.lastCheckpointId === undefined
      ? 'no checkpoint yet'
      : `checkpoint ${j.lastCheckpointId}: ${formatSize(j.lastCheckpointSize ?? 0)} in ${Math.round(j.lastCheckpointDuration ?? 0)} ms`;
  const parts = [
    `${rate(sample.recordsInPerSecond)} rec/s in`,
    `${rate(sample.recordsOutPerSecond)} rec/s out`,
    `watermark ${watermarkText(jobWatermark(snapshot))}`,
    checkpoint,
  ];
  if (j.numRestarts > 0) parts.push(`${j.numRestarts} restart${j.numRestarts === 1 ? '' : 's'}`);
  const line = parts.join(' · ');
  // A terminal that reports no sensible width (a pseudo-terminal without a size) gets 120.
  const max = (width >= 20 ? width : 120) - 1;
  return line.length <= max ? line : `${line.slice(0, max - 1)}…`;
}

const ERASE = '\r\x1b[2K';

type Write = NodeJS.WriteStream['write'];

/**
 * One line at the bottom of a terminal, redrawn in place. Whatever else the process writes to
 * the terminal (printed records, log lines) first erases it, so output never mixes with it; it
 * comes back at the next update once the cursor is at the start of a line.
 */
export class LiveStatusLine {
  private text = '';
  private shown = false;
  private atLineStart = true;
  private readonly restore: Array<() => void> = [];

  /** Whether a live line belongs on `stream`: a terminal, and not a dumb one. */
  static wanted(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): boolean {
    return stream.isTTY === true && env['TERM'] !== 'dumb';
  }

  constructor(
    private readonly stream: NodeJS.WriteStream,
    /** Other streams on the same terminal (stdout when it is one). */
    others: readonly NodeJS.WriteStream[] = [],
  ) {
    for (const s of [stream, ...others]) this.intercept(s);
  }

  /** Shows `text` in place of the previous line. */
  update(text: string): void {
    this.text = text;
    if (this.atLineStart) this.draw();
  }

  /** Erases the line and gives the streams their own `write` back. */
  close(): void {
    this.erase();
    for (const r of this.restore.splice(0)) r();
  }

  private get write(): (s: string) => void {
    return (s) => {
      this.original.call(this.stream, s);
    };
  }

  private original!: Write;

  private intercept(s: NodeJS.WriteStream): void {
    const original = s.write;
    if (s === this.stream) this.original = original;
    const line = this;
    s.write = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]): boolean {
      line.erase();
      const text = typeof chunk === 'string' ? chunk : chunk instanceof Uint8Array ? Buffer.from(chunk).toString('utf8') : '';
      if (text.length > 0) line.atLineStart = text.endsWith('\n');
      return (original as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
    } as Write;
    this.restore.push(() => {
      s.write = original;
    });
  }

  private draw(): void {
    if (this.text === '') return;
    this.write(`${ERASE}${this.text}`);
    this.shown = true;
  }

  private erase(): void {
    if (!this.shown) return;
    this.shown = false;
    this.write(ERASE);
  }
}
