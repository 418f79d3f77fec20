/**
 * The keyed count's events, the same for every way the bench runs it (in-process, through
 * `flink run`, and the baselines). Engine-free, so the job file can import it too.
 */
export interface Event {
  readonly key: number;
  readonly amount: number;
}

// 7919 is prime, so i → key visits every key once per `keys` consecutive events.
export const generator =
  (keys: number) =>
  (i: number): Event => ({ key: (i * 7919) % keys, amount: i & 7 });
