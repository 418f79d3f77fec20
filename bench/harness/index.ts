export {
  type Bench,
  type BenchContext,
  type BenchOutcome,
  type BenchParams,
  type Grid,
  type GridColumn,
  type ParamValue,
  type SizeName,
  defineBench,
} from './bench.js';
export { BenchCheckError, Checks } from './checks.js';
export { type Figure, type Ratio, type Series, type Unit, figure, median, perSecond } from './figures.js';
export { type Run, type Runs, type Subject, type Subjects, alternate } from './rounds.js';
export { type BenchResult, type RunOptions, runBench } from './run-bench.js';
export { benchNames, groupBenchWords, loadBenches } from './discover.js';
export { shortCount } from './render.js';
