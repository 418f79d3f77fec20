/*
 * The shape of a histogram's statistics at one read, shared by the runtime (which reads them) and
 * flink.db's metric records (which keep them): below both.
 */

/** A histogram as one read reports it: Flink's HistogramDump (its REST ids are `<name>_min`, …). */
export interface HistogramSummary {
  readonly count: number;
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  readonly median: number;
  readonly stddev: number;
  readonly p75: number;
  readonly p90: number;
  readonly p95: number;
  readonly p98: number;
  readonly p99: number;
  readonly p999: number;
}
