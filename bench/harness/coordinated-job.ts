import { type CheckpointStatsListener, CheckpointCoordinator, CompletedCheckpointStore, FsCheckpointStorage, realSchedule } from '../../src/checkpoint/index.js';
import type { JobGraph } from '../../src/graph/index.js';
import { JobExecution } from '../../src/runtime/index.js';
import { systemClock } from '../../src/util/clock.js';

/** A job running in this process with a coordinator that checkpoints only when asked (benches that time a checkpoint's cost). */
export interface CoordinatedJob {
  readonly execution: JobExecution;
  readonly coordinator: CheckpointCoordinator;
  /** Settles when the job ends (or is cancelled). */
  readonly done: Promise<void>;
}

/**
 * Starts `graph` with checkpoints into `dir` that only `coordinator.triggerCheckpoint` takes;
 * `completed` hears each checkpoint's stats, and a failed checkpoint throws (a bench must not
 * time one that did not complete).
 */
export function startCoordinatedJob(graph: JobGraph, dir: string, jobId: string, completed: CheckpointStatsListener['completed']): CoordinatedJob {
  const storage = new FsCheckpointStorage(dir, jobId);
  let coordinator: CheckpointCoordinator | undefined;
  const execution = new JobExecution({
    jobId,
    jobGraph: graph,
    clock: systemClock,
    checkpointing: { storage, responder: { acknowledge: (a) => coordinator!.acknowledge(a), decline: (id, t, r) => coordinator!.decline(id, t, r) } },
  });
  coordinator = new CheckpointCoordinator({
    jobId,
    jobName: jobId,
    settings: { interval: undefined, timeout: 600_000, minPause: 0, maxConcurrent: 1, tolerableFailures: 0, aligned: true },
    clock: systemClock,
    schedule: realSchedule,
    storage,
    store: new CompletedCheckpointStore(2, storage),
    target: execution,
    firstCheckpointId: 1,
    stats: {
      triggered: () => {},
      completed,
      failed: (_id, _kind, reason) => {
        throw new Error(`checkpoint failed: ${reason}`);
      },
    },
    onTooManyFailures: () => {},
  });
  return { execution, coordinator, done: execution.run() };
}
