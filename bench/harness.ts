import { performance } from 'node:perf_hooks';

/** One measured variant of a benchmark. */
export interface Measurement {
  readonly name: string;
  readonly events: number;
  readonly ms: number;
}

/** Runs `fn` `runs` times after one warm-up and keeps the fastest run (least disturbed by noise). */
export async function measure(name: string, events: number, fn: () => unknown, runs = 3): Promise<Measurement> {
  await fn();
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    best = Math.min(best, performance.now() - start);
  }
  return { name, events, ms: best };
}

function rate(m: Measurement): number {
  return (m.events / m.ms) * 1000;
}

function formatRate(perSecond: number, unit: string): string {
  return perSecond >= 1e5 ? `${(perSecond / 1e6).toFixed(2)} M ${unit}/s` : `${perSecond.toFixed(1)} ${unit}/s`;
}

/** Prints a table of rates (in `unit`s per second) and each variant's speed relative to the baseline. */
export function report(title: string, baseline: Measurement, others: readonly Measurement[], unit = 'events'): void {
  console.log(`\n${title}`);
  const rows = [baseline, ...others];
  const width = Math.max(...rows.map((r) => r.name.length));
  for (const r of rows) {
    const ratio = rate(r) / rate(baseline);
    console.log(
      `  ${r.name.padEnd(width)}  ${formatRate(rate(r), unit).padStart(18)}  ${r.ms.toFixed(0).padStart(6)} ms  ${ratio.toFixed(2)}x baseline`,
    );
  }
}
