/*
 * The coordinator driven by fakes: a manual clock and timer queue, a target that records what it is
 * told, storage that can fail or hang on cue, and a stats listener. Shared by the coordinator's tests.
 */
import assert from 'node:assert/strict';
import {
  CheckpointCoordinator,
  type CheckpointStatsListener,
  type CheckpointTarget,
  type CoordinatorSettings,
  type Schedule,
} from '../../src/checkpoint/checkpoint-coordinator.js';
import { CheckpointFailedError, CheckpointFailureReason } from '../../src/checkpoint/checkpoint-failure.js';
import { type CompletedCheckpoint, completedCheckpoint } from '../../src/checkpoint/completed-checkpoint.js';
import { CompletedCheckpointStore } from '../../src/checkpoint/completed-checkpoint-store.js';
import { SNAPSHOT_FORMAT_VERSION, SNAPSHOT_MAGIC, type SnapshotMetadata } from '../../src/checkpoint/snapshot-metadata.js';
import type { CheckpointOptions, OperatorStateHandle, TaskAcknowledgement } from '../../src/state/index.js';
import { ManualClock } from '../../src/util/clock.js';

/** Lets every settled promise's continuation run (the fakes below resolve at once). */
export const flush = () => new Promise<void>((r) => setImmediate(r));

/** A timer queue on a ManualClock: callbacks run only when the test advances time. */
export class FakeTimers {
  private timers: Array<{ at: number; seq: number; fn: () => void; live: boolean }> = [];
  private seq = 0;
  constructor(readonly clock: ManualClock) {}

  readonly schedule: Schedule = (fn, delayMs) => {
    const t = { at: this.clock.now() + delayMs, seq: this.seq++, fn, live: true };
    this.timers.push(t);
    return () => {
      t.live = false;
    };
  };

  get live(): number {
    return this.timers.filter((t) => t.live).length;
  }

  /** Moves time forward by `ms`, running every callback that falls due, in time order. */
  async advance(ms: number): Promise<void> {
    const end = this.clock.now() + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.live && t.at <= end).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      if (due.at > this.clock.now()) this.clock.set(due.at);
      due.live = false;
      due.fn();
      await flush();
    }
    this.clock.set(end);
    await flush();
  }

  /** Advances to the absolute time `at`. */
  advanceTo(at: number): Promise<void> {
    return this.advance(at - this.clock.now());
  }
}

export class FakeTarget implements CheckpointTarget {
  readonly triggered: Array<{ id: number; timestamp: number; options: CheckpointOptions }> = [];
  readonly notified: number[] = [];
  readonly aborted: number[] = [];
  throwOnTrigger: Error | undefined;
  /** Checkpoints whose triggers wait for tasks still starting (as on workers not all open yet). */
  readonly held = new Set<number>();
  constructor(readonly taskCount = 3) {}
  isTriggerHeld(id: number): boolean {
    return this.held.has(id);
  }
  triggerCheckpoint(id: number, timestamp: number, options: CheckpointOptions): void {
    if (this.throwOnTrigger) throw this.throwOnTrigger;
    this.triggered.push({ id, timestamp, options });
  }
  notifyCheckpointComplete(id: number): void {
    this.notified.push(id);
  }
  abortCheckpoint(id: number): void {
    this.aborted.push(id);
  }
  get ids(): number[] {
    return this.triggered.map((t) => t.id);
  }
}

export class FakeStorage {
  readonly initialized: Array<{ id: number; savepointDir: string | undefined }> = [];
  readonly finalized: Array<{ id: number; metadata: SnapshotMetadata }> = [];
  readonly discarded: number[] = [];
  failInit: Error | undefined;
  /** When set, initializeLocation waits for this promise (a directory that hangs). */
  hangInit: Promise<void> | undefined;
  failFinalize: Error | undefined;
  /** When set, finalize waits for this promise (a hanging disk). */
  hang: Promise<void> | undefined;
  async initializeLocation(id: number, savepointDir?: string): Promise<string> {
    if (this.hangInit) await this.hangInit;
    if (this.failInit) throw this.failInit;
    this.initialized.push({ id, savepointDir });
    return savepointDir ? `${savepointDir}/savepoint-${id}` : `/ckpt/job/chk-${id}`;
  }
  async finalize(id: number, metadata: SnapshotMetadata): Promise<string> {
    if (this.hang) await this.hang;
    if (this.failFinalize) throw this.failFinalize;
    this.finalized.push({ id, metadata });
    return metadata.kind.startsWith('SAVEPOINT') ? `/sp/savepoint-${id}` : `/ckpt/job/chk-${id}`;
  }
  async discard(id: number): Promise<void> {
    this.discarded.push(id);
  }
  readonly discardedPublished: string[] = [];
  async discardPublished(_id: number, dir: string): Promise<void> {
    this.discardedPublished.push(dir);
  }
  released(): void {}
}

export class FakeStats implements CheckpointStatsListener {
  readonly events: string[] = [];
  readonly completedStats: Array<Parameters<CheckpointStatsListener['completed']>[1]> = [];
  readonly failures: Array<{ id: number; reason: string; endTime: number }> = [];
  triggered(id: number, kind: string, triggerTime: number, path: string): void {
    this.events.push(`triggered ${id} ${kind} @${triggerTime} ${path}`);
  }
  completed(c: CompletedCheckpoint, s: Parameters<CheckpointStatsListener['completed']>[1]): void {
    this.events.push(`completed ${c.checkpointId} @${c.completedAt}`);
    this.completedStats.push(s);
  }
  failed(id: number, kind: string, reason: string, endTime: number): void {
    this.events.push(`failed ${id} ${kind}`);
    this.failures.push({ id, reason, endTime });
  }
}

export const defaults: CoordinatorSettings = {
  interval: 1000,
  timeout: 10_000,
  minPause: 0,
  maxConcurrent: 1,
  tolerableFailures: 0,
  aligned: true,
};

export function setup(settings: Partial<CoordinatorSettings> = {}, opts: { firstCheckpointId?: number; numRetained?: number; discardGate?: Promise<void> } = {}) {
  const clock = new ManualClock(0);
  const timers = new FakeTimers(clock);
  const target = new FakeTarget(3);
  const storage = new FakeStorage();
  const storeDiscarded: number[] = [];
  const store = new CompletedCheckpointStore(opts.numRetained ?? 2, {
    discardCompleted: async (c) => {
      await opts.discardGate;
      storeDiscarded.push(c.checkpointId);
    },
    deleteSharedFile: async () => {},
  });
  const stats = new FakeStats();
  const tooMany: string[] = [];
  const coordinator = new CheckpointCoordinator({
    jobId: 'job-1',
    jobName: 'the job',
    settings: { ...defaults, ...settings },
    clock,
    schedule: timers.schedule,
    storage,
    store,
    target,
    firstCheckpointId: opts.firstCheckpointId ?? 1,
    stats,
    onTooManyFailures: (reason) => tooMany.push(reason),
  });
  return { clock, timers, target, storage, store, storeDiscarded, stats, tooMany, coordinator };
}

/** A completed snapshot whose operator 'a' subtask 1 holds the shared file `file` (a restored one). */
export function restoredWith(file: string): CompletedCheckpoint {
  const metadata: SnapshotMetadata = {
    magic: SNAPSHOT_MAGIC,
    formatVersion: SNAPSHOT_FORMAT_VERSION,
    jobId: 'job-0',
    jobName: 'the job',
    checkpointId: 0,
    kind: 'CHECKPOINT',
    timestamp: 0,
    operators: [{ uid: 'a', name: 'op a', parallelism: 2, maxParallelism: 128, subtasks: [{ ...handle('a', 1), sharedState: [{ file, size: 100, checksum: 'cd'.repeat(32) }] }] }],
  };
  return completedCheckpoint(metadata, { path: '/ckpt/job-0/chk-0', triggerTime: 0, completedAt: 0 });
}

export function handle(uid: string, subtask: number, parallelism = 2): OperatorStateHandle {
  return {
    uid,
    name: `op ${uid}`,
    subtask,
    parallelism,
    maxParallelism: 128,
    file: `op-${uid}-${subtask}.state`,
    size: 10,
    checksum: 'ab'.repeat(32),
    keyGroupRange: null,
    stateNames: [],
  };
}

export function ack(checkpointId: number, taskIndex: number, more: Partial<TaskAcknowledgement> = {}): TaskAcknowledgement {
  return { checkpointId, taskIndex, handles: [], syncMs: 1, asyncMs: 2, alignmentMs: 0, maxPauseMs: 1, ...more };
}

/** Every task acknowledges checkpoint `id`, once the tasks were triggered (its directory created). */
export async function ackAll(c: CheckpointCoordinator, id: number, taskCount = 3): Promise<void> {
  await flush();
  for (let t = 0; t < taskCount; t++) c.acknowledge(ack(id, t));
  await flush();
}

export async function rejection(p: Promise<unknown>): Promise<CheckpointFailedError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof CheckpointFailedError, `expected CheckpointFailedError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the checkpoint to fail');
}
