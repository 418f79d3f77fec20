/**
 * Restoring a written savepoint into a real job in this process, as `flink run -s` does
 * (assignState, then a JobExecution with the restore), for the State Processor API tests.
 */
import { assignState, loadSnapshot } from '../../src/checkpoint/index.js';
import { compilePipeline } from '../../src/cluster/compile-pipeline.js';
import type { StreamExecutionEnvironment } from '../../src/index.js';
import { JobExecution } from '../../src/runtime/index.js';
import { type Clock, ManualClock } from '../../src/util/clock.js';
import { capturePipeline } from '../helpers/run-job.js';
import { tempRoot } from '../helpers/temp-root.js';

/**
 * Restores `sp` into the job `build` defines at `parallelism` and runs it to the end; returns
 * the lines it handed to `out`, sorted.
 */
export async function restoreAndRun(
  sp: string,
  parallelism: number,
  build: (env: StreamExecutionEnvironment, out: (line: string) => void) => void,
  clock: Clock = new ManualClock(0),
  options: { allowNonRestoredState?: boolean } = {},
): Promise<string[]> {
  const lines: string[] = [];
  const jobGraph = compilePipeline(capturePipeline((env) => build(env, (l) => void lines.push(l))), { parallelism });
  const restore = assignState(loadSnapshot(sp), jobGraph, { allowNonRestoredState: options.allowNonRestoredState ?? false });
  const local = tempRoot('sp-restore-');
  await new JobExecution({ jobId: 'restored', jobGraph, clock, restore, stateBackend: { type: 'hashmap', incremental: false, localDirectory: local } }).run();
  return lines.sort();
}
