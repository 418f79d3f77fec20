/**
 * The decision a restore makes about a window operator's state (windowRestoreMismatch) and the
 * comparison under it, with the encodings real assigners give: refused where the job would
 * misread the snapshot's open windows, restored where it reads them as written, and restored as
 * ever where the snapshot recorded no encoding or holds no windows.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  MERGING_WINDOW_SET_STATE,
  WINDOW_CONTENTS_STATE,
  type WindowEncoding,
  type WindowKeeping,
  type WindowMismatch,
  recordedWindowEncoding,
  windowContentsConfig,
  windowContentsLayout,
  windowEncodingMismatch,
  windowRestoreMismatch,
  windowsInWords,
} from '../../src/graph/index.js';
import type { StateKinds } from '../../src/state/index.js';
import { describeDuration } from '../../src/util/duration.js';
import { Duration } from '../../src/util/time.js';
import {
  DynamicEventTimeSessionWindows,
  EventTimeSessionWindows,
  GlobalWindows,
  ProcessingTimeSessionWindows,
  SlidingEventTimeWindows,
  TimeWindowBoundsSerializer,
  TumblingEventTimeWindows,
  TumblingProcessingTimeWindows,
  type Window,
  WindowAssigner,
  assignedWindows,
  describeWindows,
} from '../../src/windowing/index.js';

const s = (n: number) => Duration.ofSeconds(n);

/** The encoding of a window operator with `assigner` whose contents are kept by `keeping`. */
function encoding(assigner: WindowAssigner<never, Window>, keeping: WindowKeeping = 'reduce'): WindowEncoding {
  const w = assignedWindows(assigner);
  return { windows: w.encoding, merging: w.merging, keeping, shape: w.shape };
}

/** A custom assigner of time windows that do not merge, encoded by their bounds (as the README suggests for custom assigners). */
class BoundsAssigner extends WindowAssigner<unknown, never> {
  assignWindows(): never[] {
    return [];
  }
  getDefaultTrigger(): never {
    throw new Error('unused');
  }
  getWindowSerializer() {
    return TimeWindowBoundsSerializer.INSTANCE as never;
  }
  isEventTime(): boolean {
    return true;
  }
}

const always = () => true;

describe('windowRestoreMismatch: what a restore refuses (the snapshot holds open windows)', () => {
  const cases: Array<[string, WindowEncoding, WindowEncoding, WindowMismatch | undefined]> = [
    ['the same 10 s tumbling windows', encoding(TumblingEventTimeWindows.of(s(10))), encoding(TumblingEventTimeWindows.of(s(10))), undefined],
    ['10 s tumbling windows resized to 20 s', encoding(TumblingEventTimeWindows.of(s(10))), encoding(TumblingEventTimeWindows.of(s(20))), 'windows'],
    ['20 s tumbling windows resized to 10 s', encoding(TumblingEventTimeWindows.of(s(20))), encoding(TumblingEventTimeWindows.of(s(10))), 'windows'],
    // The namespace is the start and the size gives the end: an offset moves only new windows.
    ['10 s tumbling windows offset by 2 s', encoding(TumblingEventTimeWindows.of(s(10))), encoding(TumblingEventTimeWindows.of(s(10), s(2))), undefined],
    ['10 s tumbling to 10 s sliding by 5 s (same size: same windows)', encoding(TumblingEventTimeWindows.of(s(10))), encoding(SlidingEventTimeWindows.of(s(10), s(5))), undefined],
    ['10 s sliding by 5 s to 20 s sliding by 5 s', encoding(SlidingEventTimeWindows.of(s(10), s(5))), encoding(SlidingEventTimeWindows.of(s(20), s(5))), 'windows'],
    ['10 s tumbling to 20 s sliding by 10 s', encoding(TumblingEventTimeWindows.of(s(10))), encoding(SlidingEventTimeWindows.of(s(20), s(10))), 'windows'],
    ['event time to processing time, same size (same namespaces)', encoding(TumblingEventTimeWindows.of(s(10))), encoding(TumblingProcessingTimeWindows.of(s(10))), undefined],
    ['tumbling to sessions', encoding(TumblingEventTimeWindows.of(s(10))), encoding(EventTimeSessionWindows.withGap(s(10))), 'windows'],
    ['sessions to tumbling', encoding(EventTimeSessionWindows.withGap(s(10))), encoding(TumblingEventTimeWindows.of(s(10))), 'windows'],
    ['a session gap changed (sessions keep their bounds)', encoding(EventTimeSessionWindows.withGap(s(10))), encoding(EventTimeSessionWindows.withGap(s(30))), undefined],
    ['fixed to dynamic gaps', encoding(EventTimeSessionWindows.withGap(s(10))), encoding(DynamicEventTimeSessionWindows.withDynamicGap(() => 5)), undefined],
    ['event-time to processing-time sessions', encoding(EventTimeSessionWindows.withGap(s(10))), encoding(ProcessingTimeSessionWindows.withGap(s(10))), undefined],
    ['sessions to a custom assigner of bounds-encoded windows that do not merge', encoding(EventTimeSessionWindows.withGap(s(10))), encoding(new BoundsAssigner()), 'merging'],
    ['a custom assigner of bounds-encoded windows to sessions', encoding(new BoundsAssigner()), encoding(EventTimeSessionWindows.withGap(s(10))), 'merging'],
    ['tumbling to global windows', encoding(TumblingEventTimeWindows.of(s(10))), encoding(GlobalWindows.create()), 'windows'],
    ['global to tumbling windows', encoding(GlobalWindows.create()), encoding(TumblingEventTimeWindows.of(s(10))), 'windows'],
    ['countWindow(5) to countWindow(10) (global windows both; the trigger counts anew)', encoding(GlobalWindows.create(), 'process'), encoding(GlobalWindows.create(), 'process'), undefined],
    ['countWindow(5) to countWindow(5, 2) (an evictor: timestamped elements)', encoding(GlobalWindows.create(), 'reduce'), encoding(GlobalWindows.create(), 'evictor'), 'keeping'],
    ['an evictor dropped', encoding(TumblingEventTimeWindows.of(s(10)), 'evictor'), encoding(TumblingEventTimeWindows.of(s(10)), 'process'), 'keeping'],
    ['an evictor added to a window that kept elements', encoding(TumblingEventTimeWindows.of(s(10)), 'process'), encoding(TumblingEventTimeWindows.of(s(10)), 'evictor'), 'keeping'],
    ['reduce to aggregate', encoding(TumblingEventTimeWindows.of(s(10)), 'reduce'), encoding(TumblingEventTimeWindows.of(s(10)), 'aggregate'), 'keeping'],
    ['aggregate to process', encoding(TumblingEventTimeWindows.of(s(10)), 'aggregate'), encoding(TumblingEventTimeWindows.of(s(10)), 'process'), 'keeping'],
    // How contents are kept is compared first: one line names one difference.
    ['resized and an evictor added: the keeping is named', encoding(TumblingEventTimeWindows.of(s(10)), 'process'), encoding(TumblingEventTimeWindows.of(s(20)), 'evictor'), 'keeping'],
  ];
  for (const [name, recorded, job, expected] of cases) {
    test(`${name}: ${expected === undefined ? 'restored' : `refused (${expected})`}`, () => {
      assert.equal(windowRestoreMismatch(recorded, job, always), expected);
      // The comparison the State Processor's window reader makes is the same.
      assert.equal(windowEncodingMismatch(recorded, job), expected);
    });
  }
});

describe('windowRestoreMismatch: restored as ever', () => {
  const ten = encoding(TumblingEventTimeWindows.of(s(10)));
  const twenty = encoding(TumblingEventTimeWindows.of(s(20)));

  test('a snapshot that holds no open windows (drained) is not refused, whatever the windowing', () => {
    assert.equal(windowRestoreMismatch(ten, twenty, () => false), undefined);
    assert.equal(windowRestoreMismatch(ten, encoding(GlobalWindows.create(), 'evictor'), () => false), undefined);
  });

  test('a snapshot from before the encoding was recorded is not checked, and its windows are not looked at', () => {
    const old: WindowEncoding = { ...ten, windows: undefined, shape: undefined };
    let asked = false;
    assert.equal(
      windowRestoreMismatch(old, { ...twenty, keeping: 'evictor' }, () => (asked = true)),
      undefined,
    );
    assert.equal(asked, false);
  });

  test('no window contents in the snapshot (it was no window operator): not checked', () => {
    assert.equal(windowRestoreMismatch(undefined, twenty, always), undefined);
  });

  test("the snapshot's windows are looked at only where the windowing differs (decoding them costs)", () => {
    let asked = 0;
    assert.equal(windowRestoreMismatch(ten, encoding(TumblingEventTimeWindows.of(s(10), s(1))), () => (asked++, true)), undefined);
    assert.equal(asked, 0);
    assert.equal(windowRestoreMismatch(ten, twenty, () => (asked++, true)), 'windows');
    assert.equal(asked, 1);
  });
});

describe('the encoding a snapshot records', () => {
  const kinds = (config: Record<string, unknown> | undefined, kind: StateKinds[string]['kind'] = 'reducing', merging = false): StateKinds => ({
    [WINDOW_CONTENTS_STATE]: { kind, ttl: false, namespaced: true, serializer: { name: 'msgpack', version: 1, ...(config ? { config } : {}) } },
    ...(merging ? { [MERGING_WINDOW_SET_STATE]: { kind: 'list', ttl: false, serializer: { name: 'msgpack', version: 1 } } } : {}),
  });

  test('round trip: windows, timestamps and shape as written', () => {
    const layout = { windows: 'TimeWindow.start/10000', timestamped: true, shape: '10 s tumbling event-time windows' };
    assert.deepEqual(windowContentsLayout({ name: 'msgpack', version: 1, config: windowContentsConfig(layout) }), layout);
    assert.deepEqual(recordedWindowEncoding(kinds(windowContentsConfig(layout), 'list')), {
      windows: 'TimeWindow.start/10000',
      merging: false,
      keeping: 'evictor',
      shape: '10 s tumbling event-time windows',
    });
  });

  test('the keeping follows the state kind; merging follows the merging set', () => {
    const config = windowContentsConfig({ windows: 'TimeWindow.bounds', timestamped: false });
    assert.equal(recordedWindowEncoding(kinds(config, 'reducing'))!.keeping, 'reduce');
    assert.equal(recordedWindowEncoding(kinds(config, 'aggregating'))!.keeping, 'aggregate');
    assert.equal(recordedWindowEncoding(kinds(config, 'list'))!.keeping, 'process');
    assert.equal(recordedWindowEncoding(kinds(config, 'list', true))!.merging, true);
  });

  test('older snapshots: no encoding (the restore then does not check), or no shape (the words come from the encoding)', () => {
    assert.deepEqual(recordedWindowEncoding(kinds(undefined)), { windows: undefined, merging: false, keeping: 'reduce', shape: undefined });
    assert.equal(recordedWindowEncoding({}), undefined);
    const words = (windows: string | undefined) => windowsInWords({ windows, merging: false, keeping: 'reduce', shape: undefined });
    assert.equal(words('TimeWindow.start/10000'), '10 s tumbling or sliding windows');
    assert.equal(words('TimeWindow.start/1500'), '1500 ms tumbling or sliding windows');
    assert.equal(words('TimeWindow.bounds'), 'time windows of any length (sessions or a custom assigner)');
    assert.equal(words('GlobalWindow'), 'global windows (GlobalWindows or countWindow)');
    assert.equal(words('MyWindow.v2'), 'windows of MyWindow.v2');
  });
});

describe("windows in the user's words", () => {
  test('each assigner', () => {
    assert.equal(describeWindows(TumblingEventTimeWindows.of(s(10))), '10 s tumbling event-time windows');
    assert.equal(describeWindows(TumblingProcessingTimeWindows.of(Duration.ofMinutes(1), s(-30))), '1 min tumbling processing-time windows offset by -30 s');
    assert.equal(describeWindows(SlidingEventTimeWindows.of(Duration.ofHours(1), Duration.ofMinutes(15))), '1 h event-time windows sliding by 15 min');
    assert.equal(describeWindows(EventTimeSessionWindows.withGap(Duration.ofMillis(2500))), 'event-time sessions with a 2500 ms gap');
    assert.equal(describeWindows(DynamicEventTimeSessionWindows.withDynamicGap(() => 5)), 'event-time sessions with a gap per element');
    assert.equal(describeWindows(GlobalWindows.create()), 'global windows (GlobalWindows or countWindow)');
    assert.equal(describeWindows(new BoundsAssigner()), 'windows of BoundsAssigner');
  });

  test('a custom assigner without a name of its own (an anonymous class): by its window serializer, not an empty name', () => {
    const anonymous = new (class extends WindowAssigner<unknown, never> {
      assignWindows = () => [];
      getDefaultTrigger = (): never => assert.fail();
      getWindowSerializer = () => TimeWindowBoundsSerializer.INSTANCE as never;
      isEventTime = () => true;
    })();
    assert.equal(anonymous.constructor.name, '');
    assert.equal(describeWindows(anonymous), 'windows of an unnamed assigner (window serializer TimeWindow.bounds)');
  });

  test('durations in the largest unit that measures them whole', () => {
    assert.deepEqual([1, 999, 1000, 90_000, 120_000, 3_600_000, 86_400_000, 0].map(describeDuration), ['1 ms', '999 ms', '1 s', '90 s', '2 min', '1 h', '1 d', '0 ms']);
  });
});
