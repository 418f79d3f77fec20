/*
 * Lateness, the late-data side output and cleanup timers, from Flink's WindowOperatorTest: the
 * same inputs and expected outputs.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Collector, OutputTag, type WindowOperatorSpec } from '../../../../src/graph/index.js';
import { Duration } from '../../../../src/util/time.js';
import {
  EventTimeSessionWindows,
  EventTimeTrigger,
  PurgingTrigger,
  SlidingEventTimeWindows,
  type TimeWindow,
  Trigger,
  type TriggerContext,
  TriggerResult,
  TumblingEventTimeWindows,
} from '../../../../src/windowing/index.js';
import { WINDOW_CONTENTS_STATE } from '../../../../src/runtime/operators/window/window-operator.js';
import { BACKENDS } from '../../../state/backends.js';
import { type T2, apply, assertOutputEqualsSorted, key0, passThroughFunction, reduceWith, reducedSessionWindowFunction, sumReducer, windowSpec } from './window-fixtures.js';
import { type OutputElement, WindowHarness, record, watermark } from './window-harness.js';
import { ConstantTrigger } from '../../../windowing/constant-trigger.js';

const s = (n: number) => Duration.ofSeconds(n);
const lateTag = new OutputTag<T2>('late-output') as OutputTag<unknown>;

/** Fires at the end of the window and again at its cleanup time, without purging on the first (Flink's EventTimeTriggerAccumGC). */
class EventTimeTriggerAccumGC extends Trigger<unknown, TimeWindow> {
  constructor(private readonly cleanupTime: number) {
    super();
  }
  onElement(_e: unknown, _t: number, window: TimeWindow, ctx: TriggerContext): TriggerResult {
    if (window.maxTimestamp() <= ctx.getCurrentWatermark()) return TriggerResult.FIRE;
    ctx.registerEventTimeTimer(window.maxTimestamp());
    return TriggerResult.CONTINUE;
  }
  override onEventTime(time: number, window: TimeWindow): TriggerResult {
    return time === window.maxTimestamp() || time === window.maxTimestamp() + this.cleanupTime ? TriggerResult.FIRE_AND_PURGE : TriggerResult.CONTINUE;
  }
  override onProcessingTime(): TriggerResult {
    return TriggerResult.CONTINUE;
  }
  clear(window: TimeWindow, ctx: TriggerContext): void {
    ctx.deleteEventTimeTimer(window.maxTimestamp());
  }
}

/** Fires on every element and timer (Flink's FireEverytimeOnElementAndEventTimeTrigger). */
class FireEverytime extends ConstantTrigger<TimeWindow> {
  constructor() {
    super(TriggerResult.FIRE);
  }
}

for (const backend of BACKENDS) {
  const harness = (spec: WindowOperatorSpec) => new WindowHarness(spec, key0, { backend, sideOutputs: [lateTag] }).open();

  describe(`window operator: lateness and cleanup [${backend}]`, () => {
    test('testLateness: within the lateness a purged window fires again; after it, elements go to the side output', async () => {
      const h = await harness(
        windowSpec({ assigner: TumblingEventTimeWindows.of(s(2)), trigger: PurgingTrigger.of(EventTimeTrigger.create()), contents: reduceWith(sumReducer), lateness: 500, lateTag }),
      );
      h.processElement(['key2', 1], 500);
      h.processWatermark(1500);
      h.processElement(['key2', 1], 1300);
      h.processWatermark(2300);
      // not late: window.maxTimestamp() + allowedLateness > watermark
      h.processElement(['key2', 1], 1997);
      h.processWatermark(6000);
      // late: past maxTimestamp + allowedLateness
      h.processElement(['key2', 1], 1998);
      h.processWatermark(7000);
      assertOutputEqualsSorted(h.output, [
        watermark(1500),
        record(['key2', 2], 1999),
        watermark(2300),
        // 1, not 3: the trigger fired and purged
        record(['key2', 1], 1999),
        watermark(6000),
        watermark(7000),
      ]);
      assert.deepEqual(h.sideOutput(lateTag), [record(['key2', 1], 1998)]);
      await h.close();
    });

    test('testSideOutputDueToLatenessTumbling: a late element keeps its own timestamp', async () => {
      const h = await harness(windowSpec({ assigner: TumblingEventTimeWindows.of(s(2)), contents: reduceWith(sumReducer), lateTag }));
      h.processElement(['key2', 1], 1000);
      h.processWatermark(1985);
      h.processElement(['key2', 1], 1980);
      h.processWatermark(1999);
      h.processElement(['key2', 1], 1998);
      h.processElement(['key2', 1], 2001);
      h.processWatermark(2999);
      h.processWatermark(3999);
      assertOutputEqualsSorted(h.output, [watermark(1985), record(['key2', 2], 1999), watermark(1999), watermark(2999), record(['key2', 1], 3999), watermark(3999)]);
      assert.deepEqual(h.sideOutput(lateTag), [record(['key2', 1], 1998)]);
      await h.close();
    });

    test('testSideOutputDueToLatenessSliding: an element goes to the side output only when all its windows are late', async () => {
      const h = await harness(windowSpec({ assigner: SlidingEventTimeWindows.of(s(3), s(1)), contents: reduceWith(sumReducer), lateTag }));
      h.processElement(['key2', 1], 1000);
      h.processWatermark(1999);
      h.processElement(['key2', 1], 2000);
      h.processWatermark(3000);
      h.processElement(['key1', 1], 3001);
      // assigned to the windows ending 2999, 3999, 4999: the first is late, the others keep it
      h.processElement(['key2', 1], 2400);
      h.processElement(['key2', 1], 2400);
      h.processElement(['key1', 1], 3001);
      h.processElement(['key2', 1], 3900);
      h.processWatermark(6000);
      h.processElement(['key1', 1], 3001);
      h.processWatermark(25000);
      assertOutputEqualsSorted(h.output, [
        record(['key2', 1], 1999),
        watermark(1999),
        record(['key2', 2], 2999),
        watermark(3000),
        record(['key2', 5], 3999),
        record(['key1', 2], 3999),
        record(['key2', 4], 4999),
        record(['key1', 2], 4999),
        record(['key2', 1], 5999),
        record(['key1', 2], 5999),
        watermark(6000),
        watermark(25000),
      ]);
      assert.deepEqual(h.sideOutput(lateTag), [record(['key1', 1], 3001)]);
      await h.close();
    });

    /** The session tests share their input up to the late elements. */
    function sessionRun(h: WindowHarness): void {
      h.processElement(['key2', 1], 1000);
      h.processWatermark(1999);
      h.processElement(['key2', 1], 2000);
      h.processWatermark(4998);
      // not late: the session it joins ends after the watermark
      h.processElement(['key2', 1], 4500);
      h.processElement(['key2', 1], 8500); // a new session
      h.processWatermark(7400);
      h.processElement(['key2', 1], 7000); // merges the two sessions
      h.processWatermark(11501);
      h.processElement(['key2', 1], 11600); // a new session
      h.processWatermark(14600);
    }
    const sessionPrefix: OutputElement[] = [
      watermark(1999),
      watermark(4998),
      watermark(7400),
      record(['key2-5', 1000, 11500], 11499),
      watermark(11501),
      record(['key2-1', 11600, 14600], 14599),
      watermark(14600),
    ];
    /** A harness over `spec` that has been through {@link sessionRun}. */
    const afterSessionRun = async (spec: WindowOperatorSpec): Promise<WindowHarness> => {
      const h = await harness(spec);
      sessionRun(h);
      return h;
    };
    /** Every session case ends with watermarks 20000 and 100000; returns them as output. */
    const lastWatermarks = (h: WindowHarness): OutputElement[] => {
      h.processWatermark(20000);
      h.processWatermark(100000);
      return [watermark(20000), watermark(100000)];
    };
    const sessionSpec = (lateness: number, purging: boolean) =>
      windowSpec({
        assigner: EventTimeSessionWindows.withGap(s(3)),
        trigger: purging ? PurgingTrigger.of(EventTimeTrigger.create()) : EventTimeTrigger.create(),
        contents: reduceWith(sumReducer),
        fn: apply(reducedSessionWindowFunction),
        lateness,
        lateTag,
      });

    for (const purging of [true, false]) {
      for (const tagged of [true, false]) {
        const name = `test${tagged ? 'SideOutput' : 'Drop'}DueToLatenessSessionZeroLateness${purging ? 'PurgingTrigger' : ''}`;
        test(`${name}: late elements are ${tagged ? 'side output' : 'dropped and counted'}, not merged into each other`, async () => {
          const spec = sessionSpec(0, purging);
          const h = await afterSessionRun(tagged ? spec : { ...spec, lateDataTag: undefined });
          h.processElement(['key2', 1], 10000);
          if (purging) h.processElement(['key2', 1], 10100);
          h.processElement(['key2', 1], 14500);
          const end = lastWatermarks(h);
          assertOutputEqualsSorted(h.output, [...sessionPrefix, record(['key2-1', 14500, 17500], 17499), ...end]);
          const late = purging ? [record(['key2', 1], 10000), record(['key2', 1], 10100)] : [record(['key2', 1], 10000)];
          assert.deepEqual(h.sideOutput(lateTag), tagged ? late : []);
          assert.equal(h.operator.numLateRecordsDropped, tagged ? 0 : late.length);
          await h.close();
        });
      }
    }

    test('testDropDueToLatenessSessionWithLatenessPurgingTrigger: a small lateness re-opens the purged session', async () => {
      const h = await afterSessionRun(sessionSpec(10, true));
      h.processElement(['key2', 1], 10000);
      h.processElement(['key2', 1], 14500);
      const end = lastWatermarks(h);
      assertOutputEqualsSorted(h.output, [...sessionPrefix, record(['key2-1', 10000, 14600], 14599), record(['key2-1', 10000, 17500], 17499), ...end]);
      assert.deepEqual(h.sideOutput(lateTag), []);
      await h.close();
    });

    test('testNotSideOutputDueToLatenessSessionWithLateness: an accumulating trigger re-fires the merged session at once', async () => {
      const h = await afterSessionRun(sessionSpec(10, false));
      h.processElement(['key2', 1], 10000);
      h.processElement(['key2', 1], 14500);
      const expected = [...sessionPrefix, record(['key2-2', 10000, 14600], 14599)];
      assertOutputEqualsSorted(h.output, expected);
      assert.deepEqual(h.sideOutput(lateTag), []);
      const end = lastWatermarks(h);
      assertOutputEqualsSorted(h.output, [...expected, record(['key2-3', 10000, 17500], 17499), ...end]);
      assert.deepEqual(h.sideOutput(lateTag), []);
      await h.close();
    });

    for (const purging of [true, false]) {
      test(`testNotSideOutputDueToLatenessSessionWithHugeLateness${purging ? 'PurgingTrigger' : ''}: within the lateness the late element merges the old sessions back`, async () => {
        const h = await afterSessionRun(sessionSpec(10000, purging));
        h.processElement(['key2', 1], 10000);
        const merged = purging ? record(['key2-1', 1000, 14600], 14599) : record(['key2-7', 1000, 14600], 14599);
        assertOutputEqualsSorted(h.output, [...sessionPrefix, merged]);
        h.processElement(['key2', 1], 14500);
        const end = lastWatermarks(h);
        const last = purging ? record(['key2-1', 1000, 17500], 17499) : record(['key2-8', 1000, 17500], 17499);
        assertOutputEqualsSorted(h.output, [...sessionPrefix, merged, last, ...end]);
        assert.deepEqual(h.sideOutput(lateTag), []);
        await h.close();
      });
    }

    test('late elements without a side output are dropped and counted (numLateRecordsDropped)', async () => {
      const h = await new WindowHarness(windowSpec({ assigner: TumblingEventTimeWindows.of(s(2)), contents: reduceWith(sumReducer) }), key0, { backend }).open();
      h.processElement(['key2', 1], 1000);
      h.processWatermark(1999);
      h.processElement(['key2', 1], 1998);
      h.processElement(['key2', 1], 500);
      h.processElement(['key2', 1], 2000);
      assert.equal(h.operator.numLateRecordsDropped, 2);
      h.processWatermark(3999);
      assertOutputEqualsSorted(h.output, [record(['key2', 1], 1999), watermark(1999), record(['key2', 1], 3999), watermark(3999)]);
      await h.close();
    });

    const contentsEntries = (h: WindowHarness) => h.backend.stateTables().get(WINDOW_CONTENTS_STATE)!.table.size;

    test('testCleanupTimerWithEmptyListStateForTumblingWindows2: a trigger firing at the cleanup time, after the purge, emits nothing', async () => {
      const lines: string[] = [];
      const fn = (_k: string, _w: TimeWindow, input: Iterable<T2>, out: Collector<string>) => {
        const line = `GOT: ${[...input].map((t) => `(${t.join(',')})`).join(',')}`;
        lines.push(line);
        out.collect(line);
      };
      const h = await harness(windowSpec({ assigner: TumblingEventTimeWindows.of(s(2)), trigger: new EventTimeTriggerAccumGC(100), fn: apply(fn), lateness: 100 }));
      h.processElement(['key2', 1], 1000);
      for (const wm of [1599, 1999, 2100, 5000]) h.processWatermark(wm);
      assertOutputEqualsSorted(h.output, [watermark(1599), record('GOT: (key2,1)', 1999), watermark(1999), watermark(2100), watermark(5000)]);
      assert.equal(contentsEntries(h), 0);
      await h.close();
    });

    for (const contents of ['list', 'reduce'] as const) {
      test(`testCleanupTimerWithEmpty${contents === 'list' ? 'List' : 'Reduce'}StateForTumblingWindows: the cleanup timer drops the window's state`, async () => {
        const spec =
          contents === 'list'
            ? windowSpec({ assigner: TumblingEventTimeWindows.of(s(2)), fn: apply(passThroughFunction), lateness: 1 })
            : windowSpec({ assigner: TumblingEventTimeWindows.of(s(2)), contents: reduceWith(sumReducer), lateness: 1 });
        const h = await harness(spec);
        h.processElement(['key2', 1], 1000);
        for (const wm of [1599, 1999]) h.processWatermark(wm);
        assert.equal(contentsEntries(h), 1, 'kept within the allowed lateness');
        for (const wm of [2000, 5000]) h.processWatermark(wm);
        assertOutputEqualsSorted(h.output, [watermark(1599), record(['key2', 1], 1999), watermark(1999), watermark(2000), watermark(5000)]);
        assert.equal(contentsEntries(h), 0, 'dropped at the cleanup time');
        assert.equal(h.timers.eventTimeTimerCount, 0);
        await h.close();
      });

      test(`testCleanupTimerWithEmpty${contents === 'list' ? 'List' : 'Reduce'}StateForSessionWindows`, async () => {
        const spec =
          contents === 'list'
            ? windowSpec({ assigner: EventTimeSessionWindows.withGap(s(3)), fn: apply(passThroughFunction), lateness: 10 })
            : windowSpec({ assigner: EventTimeSessionWindows.withGap(s(3)), contents: reduceWith(sumReducer), fn: apply(reducedSessionWindowFunction), lateness: 10 });
        const h = await harness(spec);
        h.processElement(['key2', 1], 1000);
        h.processWatermark(4998);
        h.processWatermark(14600);
        const result = contents === 'list' ? record(['key2', 1], 3999) : record(['key2-1', 1000, 4000], 3999);
        assertOutputEqualsSorted(h.output, [result, watermark(4998), watermark(14600)]);
        assert.equal(contentsEntries(h), 0);
        assert.equal(h.backend.stateTables().get('_merging-window-set')!.table.size, 0, 'the session left the merging window set');
        await h.close();
      });
    }

    test('testCleanupTimerWithEmptyStateNoResultForTumblingWindows: contents stay until the cleanup time', async () => {
      const emptyReturn = () => {};
      const h = await harness(windowSpec({ assigner: TumblingEventTimeWindows.of(s(2)), trigger: new FireEverytime(), fn: apply(emptyReturn), lateness: 1 }));
      h.processElement(['test_key', 1], 1000);
      const contents = () => {
        h.backend.setCurrentKey('test_key');
        const state = h.operator['contents'];
        state.setCurrentNamespace(0);
        return JSON.stringify(state.state.get());
      };
      assert.equal(contents(), '[["test_key",1]]');
      for (const wm of [1599, 1699, 1799, 1999]) {
        h.processWatermark(wm);
        assert.equal(contents(), '[["test_key",1]]', `after watermark ${wm}`);
      }
      h.processWatermark(2000);
      assert.equal(contents(), '[]');
      h.processWatermark(5000);
      assert.equal(contents(), '[]');
      assertOutputEqualsSorted(h.output, [watermark(1599), watermark(1699), watermark(1799), watermark(1999), watermark(2000), watermark(5000)]);
      await h.close();
    });
  });
}
