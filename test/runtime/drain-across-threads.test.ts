/*
 * `flink stop --drain` on worker threads: each worker is told of the drain by a message from the
 * main thread, but a task on one worker may take the end of input of a source on another from
 * their channel first (channels are read at once, messages when the thread yields). Such a task
 * must still keep its timers for the drain's savepoint: the end of input itself says it comes
 * from a drain, as Flink's EndOfData carries its StopMode. Before, only a worker's own message
 * marked its tasks drained, and a task that lost the race dropped its processing-time timers: the
 * savepoint held its windows' contents without their timers, never to be emitted by a resumed job.
 *
 * Here two runs in one thread stand for two workers (each runs its subtasks, over shared
 * channels): the source's run is told of the drain, the consumer's never is.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compilePipeline } from '../../src/cluster/compile-pipeline.js';
import type { JobEdge, JobVertex } from '../../src/graph/index.js';
import { type Collector, DataGeneratorSource, KeyedProcessFunction, type KeyedProcessContext, WatermarkStrategy } from '../../src/index.js';
import { type ChannelEnds, JobExecution, LocalChannel, type TaskAcknowledgement } from '../../src/runtime/index.js';
import { KeyGroupRange, countStoredTimers, decodeStateFile } from '../../src/state/index.js';
import { systemClock } from '../../src/util/clock.js';
import { MemoryStorage } from '../helpers/memory-storage.js';
import { capturePipeline } from '../helpers/run-job.js';
import { until } from '../helpers/tracked-job.js';

/** Far in the future: the timer is never due while the test runs. */
const LATER = Date.UTC(2100, 0, 1);
let seen = 0;

/** Counts its records; each key gets one processing-time timer, at {@link LATER}. */
class TimerPerKey extends KeyedProcessFunction<number, number, string> {
  processElement(_v: number, ctx: KeyedProcessContext<number>): void {
    seen++;
    ctx.timerService().registerProcessingTimeTimer(LATER);
  }
  override onTimer(_t: number, _ctx: KeyedProcessContext<number>, out: Collector<string>): void {
    out.collect('fired');
  }
}

test('a task that takes the drained end of input before its thread hears of the drain keeps its timers', async () => {
  const graph = compilePipeline(
    capturePipeline((env) => {
      env
        .fromSource(new DataGeneratorSource((i: number) => i, Infinity, { recordsPerSecond: 2000 }), WatermarkStrategy.noWatermarks(), 'gen')
        .uid('gen')
        .keyBy((v) => v % 2)
        .process(new TimerPerKey())
        .uid('timers')
        .addSink(() => {})
        .uid('out');
    }, 'drain-across-threads'),
    { parallelism: 1 },
  );
  const [sourceVertex, timersVertex] = graph.vertices as [JobVertex, JobVertex];
  assert.deepEqual(timersVertex.nodes.map((n) => n.uid), ['timers', 'out']);

  const storage = new MemoryStorage();
  const acks: TaskAcknowledgement[] = [];
  const channels = new Map<JobEdge, ChannelEnds>();
  /** One run of the subtasks of `vertex`; its tasks' end waits for `release`. */
  const runOf = (vertex: JobVertex, release: Promise<void>) => {
    let finished!: () => void;
    const allFinished = new Promise<void>((r) => (finished = r));
    const execution = new JobExecution({
      jobId: 'drain-across-threads',
      jobGraph: graph,
      clock: systemClock,
      checkpointing: { storage, responder: { acknowledge: (a) => acks.push(a), decline: (id, _t, reason) => assert.fail(`checkpoint ${id} declined: ${reason}`) } },
      placement: {
        owns: (v) => v === vertex,
        channel: (edge) => {
          let ends = channels.get(edge);
          if (!ends) {
            const c = new LocalChannel(64);
            channels.set(edge, (ends = { out: c, in: c }));
          }
          return ends;
        },
      },
      allFinished: () => {
        finished();
        return release;
      },
    });
    return { execution, allFinished, ended: execution.run() };
  };
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const source = runOf(sourceVertex, released);
  const timers = runOf(timersVertex, released);
  try {
    await until(() => seen >= 10, 'records at the timers');
    // The source's worker hears of the drain; the other worker not yet.
    source.execution.endInputNow();
    await timers.allFinished;
    // What the drain's savepoint takes of the finished task: its final state.
    timers.execution.triggerCheckpoint(1, Date.now(), { isSavepoint: true, aligned: true });
    await until(() => acks.some((a) => a.checkpointId === 1), 'the timers task to snapshot');
    const content = decodeStateFile(storage.read(1, 'op-timers-0.state'), { file: 'timers', uid: 'timers', subtask: 0, keyGroupRange: new KeyGroupRange(0, 127) });
    assert.equal(countStoredTimers(content.keyGroups), 2, "each key's timer stays for the drain's savepoint");
  } finally {
    release();
    await Promise.allSettled([source.ended, timers.ended]);
  }
  await source.ended;
  await timers.ended;
});
