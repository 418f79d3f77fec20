/**
 * The bounds of max parallelism (the number of key groups), needed by the configuration, the
 * API and the state backends alike. Key groups themselves live in state/key-groups.ts.
 */

/** Flink's default `pipeline.max-parallelism` for this engine. */
export const DEFAULT_MAX_PARALLELISM = 128;
/** The largest max parallelism Flink allows (2^15). */
export const UPPER_BOUND_MAX_PARALLELISM = 32768;
