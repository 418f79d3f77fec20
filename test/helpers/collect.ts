import { join } from 'node:path';
import { type CloseableIterator, type JobClient, type PipelineExecutor, jobClient } from '../../src/index.js';
import { JobMaster } from '../../src/cluster/job-master.js';
import { Configuration } from '../../src/config/index.js';
import { systemClock } from '../../src/util/clock.js';
import { newJobId } from '../../src/util/ids.js';

/** Everything an iterator of collected results gives, until it ends. */
export async function drain<T>(it: CloseableIterator<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const v of it) out.push(v);
  return out;
}

/**
 * Runs jobs under a JobMaster in this process (home `dir`) that restarts a failed job once, at
 * once; `settings` add configuration (e.g. `execution.checkpointing.interval`).
 */
export function restartingExecutor(dir: string, settings: Record<string, string> = {}): PipelineExecutor {
  let configuration = new Configuration(dir)
    .with('execution.checkpointing.dir', join(dir, 'checkpoints'))
    .with('restart-strategy.type', 'fixed-delay')
    .with('restart-strategy.fixed-delay.attempts', 1)
    .with('restart-strategy.fixed-delay.delay', '0 ms');
  for (const [k, v] of Object.entries(settings)) configuration = configuration.with(k, v);
  const executeAsync = async (pipeline: Parameters<PipelineExecutor['execute']>[0]): Promise<JobClient> => {
    const master = new JobMaster({ jobId: newJobId(), pipeline, configuration, clock: systemClock });
    return jobClient(master.jobId, master.run(), () => master.cancel());
  };
  return { execute: async (p) => (await executeAsync(p)).getJobExecutionResult(), executeAsync };
}
