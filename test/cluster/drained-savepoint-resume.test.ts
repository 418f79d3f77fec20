/*
 * A savepoint of `flink stop --drain` resumed, as in Flink: the drain fires every event-time
 * timer (the maximum watermark), but a processing-time window not yet due stays in the
 * savepoint with its timer (Flink's quiesced timer service keeps its queue, and the drained
 * savepoint is taken after the operators finished), and so does each source's position (Flink's
 * reader keeps its splits). A job resumed from it reads on and fires the window: at once if its
 * time has passed, else when due, with what the new input added to it. Before, the drain dropped
 * the timer and the source's position: the window's contents stayed in state, never to fire.
 *
 * In this process under a tracked JobMaster with a manual clock, so processing time is exact.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { loadSnapshot } from '../../src/checkpoint/snapshot-loader.js';
import { type Collector, Duration, type TimeWindow, TumblingProcessingTimeWindows, WatermarkStrategy } from '../../src/index.js';
import { MetadataStore } from '../../src/metadata/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { capturePipeline, collectInto, tempDir } from '../helpers/run-job.js';
import { ScriptedSource } from '../helpers/scripted-source.js';
import { startTrackedJob, until } from '../helpers/tracked-job.js';

/** Steered by the test (shared by the copies of functions each subtask gets). */
const control = { windowed: 0, newInput: false };
const WINDOW_MS = 10_000;
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

/** A window's elements in arrival order, counted as the window operator adds them. */
const elements = {
  createAccumulator: (): number[] => [],
  add: (v: number, acc: number[]): number[] => {
    control.windowed++;
    return [...acc, v];
  },
  getResult: (acc: number[]) => acc,
  merge: (a: number[], b: number[]) => [...a, ...b],
};

/**
 * Numbers 0..9, then — once the test lets it, i.e. in the resumed job — the even 10..28, after which
 * (once they are in their windows) the clock moves on by a window, then the end; keyed by
 * parity into 10 s processing-time tumbling windows (uid 'windows') that emit
 * `start:key:elements`.
 */
function pipeline(clock: ManualClock, out: string[]) {
  const source = new ScriptedSource<number>(
    [
      { records: range(0, 10).map((value) => ({ value })) },
      { records: range(5, 15).map((i) => ({ value: 2 * i })), waitFor: () => control.newInput },
      { records: [], advance: WINDOW_MS, waitFor: () => control.windowed === 10 },
      { records: [] },
    ],
    clock,
  );
  return capturePipeline((env) => {
    env
      .fromSource(source, WatermarkStrategy.noWatermarks(), 'script')
      .uid('script')
      .keyBy((v) => v % 2)
      .window(TumblingProcessingTimeWindows.of(Duration.ofMillis(WINDOW_MS)))
      .aggregate(elements, (key: number, w: TimeWindow, results: Iterable<number[]>, o: Collector<string>) => {
        for (const r of results) o.collect(`${w.start}:${key}:${r.join(' ')}`);
      })
      .uid('windows')
      .addSink(collectInto(out))
      .uid('out');
  }, 'drained-processing-time');
}

/**
 * Runs the job at processing time 1000 until its window [0, 10000) holds 0..9, drains it, and
 * resumes a job from the drained savepoint at processing time `resumeAt`. Returns what each
 * run emitted.
 */
async function drainThenResume(resumeAt: number): Promise<{ drained: string[]; resumed: string[] }> {
  const home = tempDir('flink-drain-resume-');
  const store = MetadataStore.open(join(home.path, 'flink.db'));
  control.windowed = 0;
  control.newInput = false;
  const drained: string[] = [];
  const resumed: string[] = [];
  try {
    const firstClock = new ManualClock(1000);
    const first = startTrackedJob(home, store, pipeline(firstClock, drained), undefined, {}, firstClock);
    await until(() => control.windowed === 10, 'the first numbers in their windows');
    const stop = await first.done('stop', { drain: true });
    assert.equal(await first.outcome, undefined);

    control.windowed = 0;
    control.newInput = true;
    const clock = new ManualClock(resumeAt);
    const second = startTrackedJob(home, store, pipeline(clock, resumed), { snapshot: loadSnapshot(stop.path), allowNonRestoredState: false }, {}, clock);
    assert.equal(await second.outcome, undefined);
    return { drained, resumed };
  } finally {
    store.close();
    home.cleanup();
  }
}

describe('a drained savepoint resumed: processing-time windows and sources carry on (as in Flink)', () => {
  test('the drain leaves the window not yet due unfired; resumed after its end, it fires at once, and the source reads on', async () => {
    const { drained, resumed } = await drainThenResume(20_000);
    assert.deepEqual(drained, [], 'the drain fires no processing-time window that was not due');
    assert.deepEqual(resumed.sort(), ['0:0:0 2 4 6 8', '0:1:1 3 5 7 9', '20000:0:10 12 14 16 18 20 22 24 26 28']);
  });

  test('resumed before its end, the window fires when due: with the new input it received, and without any', async () => {
    const { drained, resumed } = await drainThenResume(5_000);
    assert.deepEqual(drained, []);
    // Key 1 had no new input: only its restored timer fires its window.
    assert.deepEqual(resumed.sort(), ['0:0:0 2 4 6 8 10 12 14 16 18 20 22 24 26 28', '0:1:1 3 5 7 9']);
  });
});
