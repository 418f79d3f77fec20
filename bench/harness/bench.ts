import type { Checks } from './checks.js';
import type { Figure } from './figures.js';

/** `full` is what the README reports; `smoke` is the tiny run `npm test` makes of every bench. */
export type SizeName = 'full' | 'smoke';

export type ParamValue = number | string | boolean;

/**
 * A bench's workload. Every bench runs `warmups` unrecorded rounds, then `rounds` recorded ones;
 * the rest (events, keys, …) is its own, and is printed and stored with the results.
 */
export interface BenchParams {
  readonly rounds: number;
  readonly warmups: number;
  readonly [name: string]: ParamValue;
}

/** What a bench hands its `run`: checks to make, a log, and (in tests only) substitutes. */
export interface BenchContext {
  /** Every claim the bench makes about what it measured goes through here; a failed one throws. */
  readonly check: Checks;
  /** Progress lines (stderr from the CLI, nowhere in tests). */
  log(line: string): void;
  /**
   * Replacements for measured subjects, by label (see `alternate`). Tests use them to show that
   * a bench's own checks reject a wrong measurement.
   */
  readonly substitutes: ReadonlyMap<string, () => unknown>;
}

/** What one run of a bench measured. */
export interface BenchOutcome {
  /** One line: the workload, e.g. "keyed count: 10M events over 100k keys". */
  readonly title: string;
  readonly figures: readonly Figure[];
  /** Facts that are not figures (e.g. "hashmap ran out of heap"), printed under the table. */
  readonly notes?: readonly string[];
}

/**
 * One benchmark: a module `bench/<name>.bench.ts` whose default export is this. `run` measures,
 * checks through `ctx.check` that it measured what its figures name, and returns the figures.
 */
export interface Bench<P extends BenchParams = BenchParams> {
  /** As typed in `npm run bench -- <name>`; equals the file name without `.bench.ts`. */
  readonly name: string;
  /** One sentence: what is measured, against which baseline. */
  readonly description: string;
  readonly sizes: { readonly full: P; readonly smoke: P };
  run(params: P, ctx: BenchContext): Promise<BenchOutcome>;
}

/** Identity, so a bench module gets its parameter type checked against its sizes and run. */
export function defineBench<P extends BenchParams>(bench: Bench<P>): Bench<P> {
  return bench;
}
