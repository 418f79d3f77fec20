import { performance } from 'node:perf_hooks';
import type { BenchContext, BenchParams } from './bench.js';

/** One thing a bench times: an engine variant, a baseline, a kind of checkpoint. */
export interface Subject<F> {
  /** Names the figure; a test substitutes a subject by this label. */
  readonly label: string;
  /** Untimed work before each run (e.g. changing the keys the next checkpoint holds). */
  readonly prepare?: () => void | Promise<void>;
  /** The timed work, once; returns what it observed, for `verify`. */
  readonly run: () => F | Promise<F>;
  /** Checks one run's observations through `ctx.check`: throws if it did not do what the label says. */
  readonly verify: (facts: F) => void;
}

export interface Run<F> {
  readonly ms: number;
  readonly facts: F;
}

export type Subjects<T> = { readonly [K in keyof T]: Subject<T[K]> };
export type Runs<T> = { readonly [K in keyof T]: readonly Run<T[K]>[] };

/**
 * Runs `warmups` unrecorded rounds, then `rounds` recorded ones; in each round every subject
 * runs once, so engine and baseline share the machine's noise of that moment. The order rotates
 * from round to round unless `fixed` (when one subject's run builds on another's). Every run,
 * warm-ups included, is verified.
 */
export async function alternate<T extends Record<string, unknown>>(
  ctx: BenchContext,
  params: Pick<BenchParams, 'rounds' | 'warmups'>,
  subjects: Subjects<T>,
  order: 'rotate' | 'fixed' = 'rotate',
): Promise<Runs<T>> {
  const keys = Object.keys(subjects) as Array<keyof T & string>;
  const runs = Object.fromEntries(keys.map((k) => [k, [] as Run<unknown>[]])) as unknown as { [K in keyof T]: Run<T[K]>[] };
  const total = params.warmups + params.rounds;
  for (let round = 0; round < total; round++) {
    const recorded = round >= params.warmups;
    ctx.log(recorded ? `round ${round - params.warmups + 1}/${params.rounds}` : `warm-up ${round + 1}/${params.warmups}`);
    const shift = order === 'rotate' ? round % keys.length : 0;
    for (const key of [...keys.slice(shift), ...keys.slice(0, shift)]) {
      const run = await once(ctx, subjects[key]);
      if (recorded) runs[key].push(run);
    }
  }
  return runs;
}

async function once<F>(ctx: BenchContext, subject: Subject<F>): Promise<Run<F>> {
  await subject.prepare?.();
  const work = (ctx.substitutes.get(subject.label) as (() => F | Promise<F>) | undefined) ?? subject.run;
  const start = performance.now();
  const facts = await work();
  const ms = performance.now() - start;
  subject.verify(facts);
  return { ms, facts };
}

