/**
 * What a broadcast edge's per-consumer copies cost (record-writer.ts, BroadcastWriter): a
 * broadcast stream of small objects `{ id, v }` from one source subtask to a map at parallelism
 * p (2 and 4), on one thread (where the copies are made: across threads the channel's own
 * encoding is the copy), run by two checkouts' engines — each its own `src/` — in alternating
 * rounds in one process (see ab-builds.ts for why one process). Prints each build's median and
 * best source records a second (each reaches all p consumers) and the ratio per round.
 *
 *   node --import tsx bench/experiments/broadcast-copies.ts <checkout A> <checkout B> [records=1000000] [rounds=8]
 *
 * The job is defined here, once, for both builds (its closures are shared; the engines are not).
 * The first round (compiling) is left out of the figures.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Api from '../../src/index.js';
import type * as RunJob from '../../test/helpers/run-job.js';
import { median } from '../harness/figures.js';

type Build = (records: number, p: number) => Promise<number>;

async function load(dir: string, i: number): Promise<Build> {
  const api = (await import(`${pathToFileURL(`${dir}/src/index.ts`).href}?build=${i}`)) as typeof Api;
  const { runJob } = (await import(`${pathToFileURL(`${dir}/test/helpers/run-job.ts`).href}?build=${i}`)) as typeof RunJob;
  return async (records, p) => {
    let seen = 0;
    await runJob((env) => {
      env
        .fromSource(new api.DataGeneratorSource((id: number) => ({ id, v: id & 7 }), records), api.WatermarkStrategy.noWatermarks(), 'rules')
        .setParallelism(1)
        .broadcast()
        .map((r) => r.v)
        .setParallelism(p)
        .addSink(() => {
          seen++;
        })
        .setParallelism(p);
    });
    return seen;
  };
}

async function main(argv: readonly string[]): Promise<void> {
  const [a, b, ...rest] = argv;
  if (a === undefined || b === undefined) throw new Error('usage: node --import tsx bench/experiments/broadcast-copies.ts <checkout A> <checkout B> [records] [rounds]');
  const [records = 1_000_000, rounds = 8] = rest.map(Number);
  const checkouts = [resolve(a), resolve(b)];
  const builds = await Promise.all(checkouts.map((dir, i) => load(dir, i)));
  for (const p of [2, 4]) {
    const rates: number[][] = [[], []];
    for (let r = 0; r < rounds; r++) {
      for (let k = 0; k < 2; k++) {
        const which = (k + r) % 2; // A first in even rounds, B first in odd ones
        const start = performance.now();
        const seen = await builds[which]!(records, p);
        rates[which]!.push(records / ((performance.now() - start) / 1000));
        if (seen !== records * p) throw new Error(`${checkouts[which]} delivered ${seen} records, not ${records * p}`);
      }
    }
    const settled = rates.map((t) => t.slice(1));
    const ratios = settled[0]!.map((x, i) => settled[1]![i]! / x);
    for (let i = 0; i < 2; i++) {
      console.log(`p=${p} ${'AB'[i]} ${checkouts[i]}: median ${(median(settled[i]!) / 1e6).toFixed(2)} M records/s, best ${(Math.max(...settled[i]!) / 1e6).toFixed(2)}`);
    }
    console.log(`p=${p} B ÷ A records/s per round: median ${median(ratios).toFixed(3)}, ${Math.min(...ratios).toFixed(3)}–${Math.max(...ratios).toFixed(3)} (${records.toLocaleString('en-US')} records broadcast to ${p} subtasks, one thread)`);
  }
}

await main(process.argv.slice(2));
