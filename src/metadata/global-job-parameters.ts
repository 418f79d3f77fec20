import type { JobConfigRecord } from './records.js';

/**
 * A job's record keeps its global job parameters (`setGlobalJobParameters`) in its configuration
 * under Flink's key for them, as one JSON text: the record's values are flat strings and numbers,
 * and a parameter may hold any character (Flink's `k:v,k2:v2` form would need quoting rules).
 * The configuration itself does not take the key (no `-D pipeline.global-job-parameters`), so
 * nothing else writes it.
 */
export const GLOBAL_JOB_PARAMETERS_KEY = 'pipeline.global-job-parameters';

/** `config` with the parameters added under {@link GLOBAL_JOB_PARAMETERS_KEY}; as it is when there are none. */
export function withGlobalJobParameters(config: JobConfigRecord, params: Readonly<Record<string, string>> | undefined): JobConfigRecord {
  return params === undefined ? config : { ...config, [GLOBAL_JOB_PARAMETERS_KEY]: JSON.stringify(params) };
}

/** The parameters a job's recorded configuration holds; none if it has none (or the text is not what {@link withGlobalJobParameters} wrote). */
export function globalJobParametersOf(config: JobConfigRecord): Record<string, string> {
  const text = config[GLOBAL_JOB_PARAMETERS_KEY];
  if (typeof text !== 'string') return {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
    return Object.fromEntries(Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === 'string'));
  } catch {
    return {};
  }
}
