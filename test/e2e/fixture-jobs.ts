/**
 * The fixture job files of the end-to-end tests, by name; each file's header says its arguments
 * and output. Several test files run the same job, so its path is spelled once, here.
 */
import { join } from 'node:path';
import { FIXTURES } from './helpers.js';

/** `sp-job.ts <variant> <out> [count] [rate]`: versions sharing uids, `key,count,i` into a FileSink. */
export const SP_JOB = join(FIXTURES, 'sp-job.ts');
/**
 * Records per second of an sp-job run that a test interrupts (savepoint, stop): slow enough that
 * 3000 records still run after a few CLI calls on a loaded machine (10 s); restores to the end
 * run at full speed.
 */
export const SP_JOB_INTERRUPTED_RATE = '300';
/** `ckpt-keyed-count.ts <out> [count] [rate]`: `key,count,i` lines into a FileSink. */
export const CKPT_KEYED_COUNT = join(FIXTURES, 'ckpt-keyed-count.ts');
/** `unbounded-keyed.ts [name]`: an endless keyed count, printed. */
export const UNBOUNDED_KEYED = join(FIXTURES, 'unbounded-keyed.ts');
/** `bounded-reduce.ts`: a running sum per key over 1..1000, printed. */
export const BOUNDED_REDUCE = join(FIXTURES, 'bounded-reduce.ts');
/** `evo-job.ts <v1|v2|v3|v4> <out> [count] [rate]`: an Avro account per key, JSON lines into a FileSink. */
export const EVO_JOB = join(FIXTURES, 'evo-job.ts');
/** `evo-ttl.ts <write|read|nottl> <out> <ttlMs> [count] [rate]`: a ValueState with TTL, JSON lines into a FileSink. */
export const EVO_TTL = join(FIXTURES, 'evo-ttl.ts');
/** `et-job.ts <out> [count] [rate]`: event-time timers, some deleted, `r,…`/`t,…` lines into a FileSink. */
export const ET_JOB = join(FIXTURES, 'et-job.ts');
/** `fo-flaky.ts <out> once|always|never [count] [rate] [failAt]`: `key,count,i` lines into a FileSink. */
export const FO_FLAKY = join(FIXTURES, 'fo-flaky.ts');
/** `fo-at-most-once.ts <out> [count] [rate]`: the same counts, printed and into a FileSink. */
export const FO_AT_MOST_ONCE = join(FIXTURES, 'fo-at-most-once.ts');
/** `windowed-job.ts <out> [count] [rate]`: tumbling windows and sessions into a FileSink. */
export const WINDOWED_JOB = join(FIXTURES, 'windowed-job.ts');
/** `drained-processing-time.ts <out> <holdMs> [rate]`: endless `r:<i>` lines and 1 h processing-time windows due `holdMs` after its start, into a FileSink. */
export const DRAINED_PROCESSING_TIME = join(FIXTURES, 'drained-processing-time.ts');
/** `resizable-window-job.ts <out> [count] [rate] [windowMs]`: tumbling windows of a given size into a FileSink. */
export const RESIZABLE_WINDOW_JOB = join(FIXTURES, 'resizable-window-job.ts');
/** `rolling-keyed-count.ts <out> [count] [rate] [maxPartSize]`: ckpt-keyed-count with DefaultRollingPolicy (size only). */
export const ROLLING_KEYED_COUNT = join(FIXTURES, 'rolling-keyed-count.ts');
