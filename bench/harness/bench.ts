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

/**
 * A column of a {@link Grid}: in row `r`, the median of the figure labelled `` `${r} ${figure}` ``,
 * or with `ratio`, that figure's ratio to the baseline named `ratio`; or a given text per row
 * (e.g. a published figure measured elsewhere).
 */
export type GridColumn =
  | { readonly header: string; readonly figure: string; readonly ratio?: string }
  | { readonly header: string; readonly text: Readonly<Record<string, string>> };

/**
 * Figures laid out as a table of rows × columns (e.g. queries × backends) rather than one line
 * per figure; a cell whose figure is missing shows "–".
 */
export interface Grid {
  /** Heads the column of row names. */
  readonly corner: string;
  readonly rows: readonly string[];
  readonly columns: readonly GridColumn[];
}

/** What one run of a bench measured. */
export interface BenchOutcome {
  /** One line: the workload, e.g. "keyed count: 10M events over 100k keys". */
  readonly title: string;
  readonly figures: readonly Figure[];
  /** How to show the figures, when a table of rows × columns reads better than a list. */
  readonly grid?: Grid;
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
  /**
   * A string parameter that words after the bench's name on the command line set, joined by
   * commas (`npm run bench -- nexmark q5 q7` sets `queries` to `q5,q7`).
   */
  readonly selects?: keyof P & string;
  run(params: P, ctx: BenchContext): Promise<BenchOutcome>;
}

/** Identity, so a bench module gets its parameter type checked against its sizes and run. */
export function defineBench<P extends BenchParams>(bench: Bench<P>): Bench<P> {
  return bench;
}
