/**
 * A figure's unit says which way is better: rates (`…/s`) are better higher, durations (`ms`)
 * and sizes (`bytes`) lower.
 */
export type Unit = `${string}/s` | 'ms' | 'bytes';

/** How many times better than a baseline measured in the same rounds, round by round. */
export interface Ratio {
  /** What the baseline is called (the label of its figure, or a shorter name for it). */
  readonly vs: string;
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

/** One reported figure: the median of its rounds, their spread, and its ratios to baselines. */
export interface Figure {
  readonly label: string;
  readonly unit: Unit;
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly runs: number;
  /**
   * Rates: figure / baseline; durations and sizes: baseline / figure — so above 1 is better
   * ("0.5x the loop", "49x smaller"). Each round's figure is divided by the same round's
   * baseline, so noise shared by both cancels out.
   */
  readonly ratios: readonly Ratio[];
}

export function higherIsBetter(unit: Unit): boolean {
  return unit.endsWith('/s');
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Values of one quantity, one per recorded round (a baseline has as many as its figure). */
export interface Series {
  readonly label: string;
  readonly values: readonly number[];
}

/**
 * A figure from its values per round and, for each baseline, the ratio round by round.
 * @param against baselines measured in the same rounds (same number of values)
 */
export function figure(label: string, unit: Unit, values: readonly number[], ...against: readonly Series[]): Figure {
  const ratios = against.map((b): Ratio => {
    if (b.values.length !== values.length) throw new Error(`figure ${label}: ${values.length} rounds but ${b.values.length} of ${b.label}`);
    const r = values.map((v, i) => (higherIsBetter(unit) ? v / b.values[i]! : b.values[i]! / v));
    return { vs: b.label, median: median(r), min: Math.min(...r), max: Math.max(...r) };
  });
  return { label, unit, median: median(values), min: Math.min(...values), max: Math.max(...values), runs: values.length, ratios };
}

/** Work done per second, per run: `work` units in `ms` milliseconds. */
export function perSecond(work: number, ms: readonly number[]): number[] {
  return ms.map((t) => (work / t) * 1000);
}
