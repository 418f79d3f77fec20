/*
 * A source reader that commits its positions outside the job when a checkpoint completes, as
 * Flink's Kafka reader commits offsets to the broker: `snapshotState` gets the checkpoint's id,
 * `notifyCheckpointComplete` comes for each completed one (and only those), with the id whose
 * positions the checkpoint stored, `notifyCheckpointAborted` for an aborted one; a failing commit
 * fails the job naming the source; after a failover the readers start from the positions they
 * committed last.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { type InputStatus, type ReaderOutput, type Source, type SourceReader, type SourceReaderContext, WatermarkStrategy } from '../../src/index.js';
import { compilePipeline } from '../../src/cluster/compile-pipeline.js';
import { MetadataStore } from '../../src/metadata/index.js';
import { JobExecution, SOURCE_SPLITS_STATE, type TaskAcknowledgement } from '../../src/runtime/index.js';
import { decodeStateFile } from '../../src/state/index.js';
import { JobCancelledError } from '../../src/util/errors.js';
import { systemClock } from '../../src/util/clock.js';
import { MemoryStorage } from '../helpers/memory-storage.js';
import { capturePipeline, tempDir } from '../helpers/run-job.js';
import { startTrackedJob, until } from '../helpers/tracked-job.js';

/** A partition of a log and how far a reader read it: Kafka's (topic-partition, offset). */
interface Partition {
  readonly partition: number;
  offset: number;
}

type ReaderEvent =
  | { readonly kind: 'added'; readonly reader: number; readonly splits: readonly Partition[] }
  | { readonly kind: 'snapshot' | 'complete' | 'aborted'; readonly reader: number; readonly id: number };

/** Steered and watched by the tests (readers are made per subtask; this object is shared). */
const broker = {
  events: [] as ReaderEvent[],
  /** The committed offset of each partition, as a broker's consumer group keeps it. */
  committed: new Map<number, number>(),
  failCommit: false,
  failPoll: false,
};

/** Partitions of an endless log, a few records per poll; offsets committed on checkpoint completion. */
class LogSource implements Source<number, Partition> {
  constructor(private readonly partitions: number) {}
  getBoundedness() {
    return 'CONTINUOUS_UNBOUNDED' as const;
  }
  createSplits(): Partition[] {
    return Array.from({ length: this.partitions }, (_, partition) => ({ partition, offset: 0 }));
  }
  createReader(ctx: SourceReaderContext): SourceReader<number, Partition> {
    return new LogReader(ctx.subtaskIndex);
  }
}

class LogReader implements SourceReader<number, Partition> {
  private readonly splits: Partition[] = [];
  /** The offsets each checkpoint in flight stored, by its id. */
  private readonly pending = new Map<number, Partition[]>();

  constructor(private readonly reader: number) {}

  addSplits(splits: Partition[]): void {
    broker.events.push({ kind: 'added', reader: this.reader, splits: structuredClone(splits) });
    this.splits.push(...structuredClone(splits));
  }

  pollNext(output: ReaderOutput<number>): InputStatus {
    if (broker.failPoll) {
      broker.failPoll = false;
      throw new Error('the broker went away');
    }
    for (const s of this.splits) output.collect(s.partition * 1_000_000 + s.offset++);
    return 'NOTHING_AVAILABLE';
  }

  nextAvailableTime(): number {
    return Date.now() + 1;
  }

  snapshotState(checkpointId: number): Partition[] {
    const positions = structuredClone(this.splits);
    this.pending.set(checkpointId, positions);
    broker.events.push({ kind: 'snapshot', reader: this.reader, id: checkpointId });
    return positions;
  }

  notifyCheckpointComplete(checkpointId: number): Promise<void> {
    broker.events.push({ kind: 'complete', reader: this.reader, id: checkpointId });
    const positions = this.pending.get(checkpointId);
    // Checkpoints up to this one are settled: what they kept can go.
    for (const id of this.pending.keys()) if (id <= checkpointId) this.pending.delete(id);
    // As a commit to a broker: asynchronous, and it may fail.
    return Promise.resolve().then(() => {
      if (broker.failCommit) throw new Error('commit rejected by the broker');
      for (const p of positions ?? []) broker.committed.set(p.partition, p.offset);
    });
  }

  notifyCheckpointAborted(checkpointId: number): void {
    broker.events.push({ kind: 'aborted', reader: this.reader, id: checkpointId });
    this.pending.delete(checkpointId);
  }
}

function reset(): void {
  broker.events = [];
  broker.committed = new Map();
  broker.failCommit = false;
  broker.failPoll = false;
}

const eventsOf = (kind: ReaderEvent['kind'], id?: number) => broker.events.filter((e) => e.kind === kind && (id === undefined || ('id' in e && e.id === id)));

const pipeline = () =>
  capturePipeline((env) => {
    env.setParallelism(2);
    env.fromSource(new LogSource(4), WatermarkStrategy.noWatermarks(), 'log').uid('log').addSink(() => {});
  });

describe("a source reader's checkpoint notifications", () => {
  test('complete: the stored offsets are committed, for completed checkpoints only; aborted: told, nothing committed', async () => {
    reset();
    const storage = new MemoryStorage();
    const acks: TaskAcknowledgement[] = [];
    const execution = new JobExecution({
      jobId: 'log',
      jobGraph: compilePipeline(pipeline()),
      clock: systemClock,
      checkpointing: { storage, responder: { acknowledge: (a) => acks.push(a), decline: () => {} } },
    });
    const ended = execution.run().then(
      () => 'finished',
      (err: unknown) => (err instanceof JobCancelledError ? 'cancelled' : err),
    );
    const checkpoint = async (id: number) => {
      await until(() => {
        try {
          execution.triggerCheckpoint(id, Date.now(), { isSavepoint: false, aligned: true });
          return true;
        } catch {
          return false;
        }
      }, 'the job to run');
      await until(() => acks.filter((a) => a.checkpointId === id).length === 2, `both readers to acknowledge checkpoint ${id}`);
    };
    /** What checkpoint `id` stored of each partition: its offset. */
    const stored = (id: number) => {
      const offsets = new Map<number, number>();
      for (const h of acks.filter((a) => a.checkpointId === id).flatMap((a) => a.handles)) {
        const splits = decodeStateFile(storage.read(id, h.file), { file: h.file, uid: h.uid, subtask: h.subtask, keyGroupRange: undefined }).lists.get(SOURCE_SPLITS_STATE)!.values as Partition[];
        for (const s of splits) offsets.set(s.partition, s.offset);
      }
      return offsets;
    };
    try {
      await checkpoint(1);
      await sleep(20);
      assert.equal(eventsOf('complete').length, 0, 'no reader is told of a checkpoint that has not completed');
      assert.deepEqual(broker.committed, new Map());
      execution.notifyCheckpointComplete(1);
      await until(() => broker.committed.size === 4, 'the readers to commit checkpoint 1');
      assert.deepEqual(broker.committed, stored(1), 'committed: the offsets checkpoint 1 stored');
      assert.ok([...stored(1).values()].every((o) => o > 0), 'the readers had read on before checkpoint 1');

      await checkpoint(2);
      execution.abortCheckpoint(2);
      assert.deepEqual(eventsOf('aborted', 2).map((e) => e.reader).sort(), [0, 1]);
      await sleep(20);
      assert.deepEqual(eventsOf('complete', 2), []);
      assert.deepEqual(broker.committed, stored(1), 'an aborted checkpoint commits nothing');

      await checkpoint(3);
      execution.notifyCheckpointComplete(3);
      await until(() => eventsOf('complete', 3).length === 2, 'both readers to hear of checkpoint 3');
      await sleep(20);
      assert.deepEqual(broker.committed, stored(3));
      for (const [p, offset] of stored(1)) assert.ok(stored(3).get(p)! > offset, `partition ${p} read on from checkpoint 1 to 3`);
      // Each notification came after the reader's snapshot of that checkpoint.
      for (const e of eventsOf('complete')) {
        const at = broker.events.indexOf(e);
        assert.ok(broker.events.findIndex((s) => s.kind === 'snapshot' && s.reader === e.reader && 'id' in s && s.id === (e as { id: number }).id) < at);
      }

      broker.failCommit = true;
      await checkpoint(4);
      execution.notifyCheckpointComplete(4);
      const err = await ended;
      assert.ok(err instanceof Error, `the job ended ${String(err)}`);
      assert.match(err.message, /"Source: log" failed: commit rejected by the broker/);
    } finally {
      execution.cancel();
      await ended;
    }
  });

  test('after a failover, the readers start from the offsets they committed for the last completed checkpoint', async () => {
    reset();
    const home = tempDir();
    const store = MetadataStore.open(join(home.path, 'flink.db'));
    try {
      const job = startTrackedJob(home, store, pipeline());
      await until(() => eventsOf('added').length === 2, 'both readers to start');
      await sleep(50);
      const { checkpointId } = await job.done('checkpoint');
      await until(() => broker.committed.size === 4, 'the readers to commit the checkpoint');
      const committed = new Map(broker.committed);
      assert.ok([...committed.values()].every((o) => o > 0), 'the readers had read on before the checkpoint');
      assert.deepEqual(eventsOf('complete').map((e) => 'id' in e && e.id), [checkpointId, checkpointId]);

      const added = eventsOf('added').length;
      await sleep(50);
      broker.failPoll = true;
      await until(() => job.restarts() === 1 && eventsOf('added').length === added + 2, 'the job to restart');
      const restored = new Map<number, number>();
      for (const e of eventsOf('added').slice(added)) for (const s of e.kind === 'added' ? e.splits : []) restored.set(s.partition, s.offset);
      assert.deepEqual(restored, committed);
      job.master.cancel();
      await job.outcome;
    } finally {
      store.close();
      home.cleanup();
    }
  });
  test('a process that no longer owns the job: the readers are not told, so they commit nothing (the fence is asked per reader, as sinks ask)', async () => {
    // The job asks before it tells its tasks, but a reader hears after its chain's commits, and on
    // a worker thread milliseconds later: a process frozen in between committed offsets on waking.
    reset();
    let owner = true;
    const asked: string[] = [];
    const acks: TaskAcknowledgement[] = [];
    const execution = new JobExecution({
      jobId: 'log',
      jobGraph: compilePipeline(pipeline()),
      clock: systemClock,
      checkOwnership: (action) => {
        asked.push(action);
        if (!owner) throw new Error(`fenced before it would ${action}`);
      },
      checkpointing: { storage: new MemoryStorage(), responder: { acknowledge: (a) => acks.push(a), decline: () => {} } },
    });
    const ended = execution.run().then(
      () => 'finished',
      (err: unknown) => err,
    );
    try {
      await until(() => {
        try {
          execution.triggerCheckpoint(1, Date.now(), { isSavepoint: false, aligned: true });
          return true;
        } catch {
          return false;
        }
      }, 'the job to run');
      await until(() => acks.length === 2, 'both readers to acknowledge checkpoint 1');
      owner = false;
      execution.notifyCheckpointComplete(1);
      const err = await ended;
      assert.ok(err instanceof Error, `the job ended ${String(err)}`);
      assert.match(err.message, /fenced before it would commit checkpoint 1 of source 'log'/);
      assert.deepEqual(asked, ["commit checkpoint 1 of source 'log'", "commit checkpoint 1 of source 'log'"]);
      assert.deepEqual(eventsOf('complete'), [], 'no reader was told');
      assert.deepEqual(broker.committed, new Map());
    } finally {
      execution.cancel();
      await ended;
    }
  });
});
