import type { Bench, BenchParams, Grid, ParamValue, SizeName } from './bench.js';
import { Checks } from './checks.js';
import type { Figure } from './figures.js';
import { type MeasuredOn, measuredOn } from './machine.js';

/** A bench's run as printed and as stored in the results file. */
export interface BenchResult {
  readonly name: string;
  readonly description: string;
  readonly title: string;
  /** `custom` when parameters were overridden on the command line. */
  readonly size: SizeName | 'custom';
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly figures: readonly Figure[];
  /** Present when the bench lays its figures out as rows × columns. */
  readonly grid?: Grid;
  readonly notes: readonly string[];
  /** The checks that held: what the bench verified it measured. */
  readonly checks: readonly string[];
  readonly measured: MeasuredOn;
  /** Measured where figures are not to be trusted (a loaded machine); to be measured again. */
  readonly provisional: boolean;
}

export interface RunOptions {
  readonly size?: SizeName;
  /** Parameters replacing those of the size (`--set name=value`). */
  readonly set?: Readonly<Record<string, ParamValue>>;
  readonly log?: (line: string) => void;
  readonly substitutes?: ReadonlyMap<string, () => unknown>;
  readonly provisional?: boolean;
}

/** Runs `bench` at a size, with its own checks; rejects with a BenchCheckError if one fails. */
export async function runBench<P extends BenchParams>(bench: Bench<P>, options: RunOptions = {}): Promise<BenchResult> {
  const size = options.size ?? 'full';
  const params = withOverrides(bench, bench.sizes[size], options.set ?? {});
  const check = new Checks(bench.name);
  const measured = measuredOn();
  const log = options.log ?? (() => {});
  const outcome = await bench.run(params, { check, log: (line) => log(`${bench.name}: ${line}`), substitutes: options.substitutes ?? new Map() });
  check.that(outcome.figures.length > 0, 'it reported figures', 'it reported none');
  return {
    name: bench.name,
    description: bench.description,
    title: outcome.title,
    size: Object.keys(options.set ?? {}).length > 0 ? 'custom' : size,
    params: { ...params },
    figures: outcome.figures,
    ...(outcome.grid ? { grid: outcome.grid } : {}),
    notes: outcome.notes ?? [],
    checks: check.passed(),
    measured,
    provisional: options.provisional ?? false,
  };
}

function withOverrides<P extends BenchParams>(bench: Bench<P>, params: P, set: Readonly<Record<string, ParamValue>>): P {
  for (const [name, value] of Object.entries(set)) {
    const known = params[name];
    if (known === undefined) throw new Error(`bench ${bench.name} has no parameter '${name}' (it has ${Object.keys(params).join(', ')})`);
    if (typeof known !== typeof value) throw new Error(`bench ${bench.name}: parameter '${name}' takes a ${typeof known}, not '${String(value)}'`);
  }
  return { ...params, ...set };
}
