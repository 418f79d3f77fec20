import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  GlobalWindow,
  GlobalWindowSerializer,
  TimeWindow,
  TimeWindowBoundsSerializer,
  TimeWindowStartSerializer,
  WindowDataError,
} from '../../src/windowing/index.js';
import { MAX_TIMESTAMP } from '../../src/util/time.js';

const w = (start: number, end: number) => new TimeWindow(start, end);

describe('TimeWindow.getWindowStartWithOffset', () => {
  // Flink TimeWindowTest.testGetWindowStartWithOffset: [timestamp, offset, size, start].
  const cases: Array<[number, number, number, number]> = [
    // windows [-21,-14), [-14,-7), [-7,0), [0,7), [7,14)
    [-8, 0, 7, -14], [-7, 0, 7, -7], [-6, 0, 7, -7], [-1, 0, 7, -7], [1, 0, 7, 0], [6, 0, 7, 0], [7, 0, 7, 7], [8, 0, 7, 7],
    // offset 3: [-11,-4), [-4,3), [3,10), [10,17)
    [-10, 3, 7, -11], [-9, 3, 7, -11], [-3, 3, 7, -4], [-2, 3, 7, -4], [-1, 3, 7, -4], [1, 3, 7, -4], [2, 3, 7, -4], [3, 3, 7, 3], [9, 3, 7, 3], [10, 3, 7, 10],
    // offset -2: [-16,-9), [-9,-2), [-2,5), [5,12), [12,19)
    [-12, -2, 7, -16], [-7, -2, 7, -9], [-4, -2, 7, -9], [-3, -2, 7, -9], [2, -2, 7, -2], [-1, -2, 7, -2], [1, -2, 7, -2], [-2, -2, 7, -2], [3, -2, 7, -2], [4, -2, 7, -2], [7, -2, 7, 5], [12, -2, 7, 12],
    // a day in GMT+08:00
    [1470902048450, -8 * 3_600_000, 86_400_000, 1470844800000],
  ];
  for (const [ts, offset, size, start] of cases) {
    test(`timestamp ${ts}, offset ${offset}, size ${size} → ${start}`, () => {
      assert.equal(TimeWindow.getWindowStartWithOffset(ts, offset, size), start);
    });
  }
});

describe('TimeWindow', () => {
  test('maxTimestamp is end − 1 (Flink TimeWindow.maxTimestamp)', () => {
    assert.equal(w(0, 5000).maxTimestamp(), 4999);
    assert.equal(w(-5000, 0).maxTimestamp(), -1);
  });

  // Flink TimeWindowTest.testIntersect: intersection is symmetric and includes touching windows.
  const intersect: Array<[TimeWindow, TimeWindow, boolean]> = [
    [w(10, 20), w(10, 20), true], // itself
    [w(10, 20), w(20, 30), true], // next to each other
    [w(10, 20), w(21, 30), false], // a gap between
    [w(10, 20), w(19, 22), true], // overlap by one
  ];
  for (const [a, b, expected] of intersect) {
    test(`${a} intersects ${b}: ${expected}`, () => {
      assert.equal(a.intersects(b), expected);
      assert.equal(b.intersects(a), expected);
    });
  }

  test('cover and equals', () => {
    assert.ok(w(3, 9).cover(w(1, 4)).equals(w(1, 9)));
    assert.ok(!w(0, 1).equals(w(0, 2)));
    assert.ok(!w(0, 1).equals({ start: 0, end: 1 }));
  });
});

describe('TimeWindow.mergeWindows', () => {
  const merges = (windows: TimeWindow[]) => {
    const calls: Array<[string[], string]> = [];
    TimeWindow.mergeWindows(windows, (group, result) => calls.push([group.map(String).sort(), String(result)]));
    return calls;
  };
  // Flink EventTimeSessionWindowsTest.testMerge*: [windows, expected merges (group, result)].
  const cases: Array<[string, TimeWindow[], Array<[TimeWindow[], TimeWindow]>]> = [
    ['a single point window merges with nothing', [w(0, 0)], []],
    ['a single window merges with nothing', [w(0, 1)], []],
    [
      'consecutive windows merge in runs',
      [w(0, 1), w(1, 2), w(2, 3), w(4, 5), w(5, 6)],
      [[[w(0, 1), w(1, 2), w(2, 3)], w(0, 3)], [[w(4, 5), w(5, 6)], w(4, 6)]],
    ],
    [
      'covered windows merge into the covering one',
      [w(1, 1), w(0, 2), w(4, 7), w(5, 6)],
      [[[w(1, 1), w(0, 2)], w(0, 2)], [[w(5, 6), w(4, 7)], w(4, 7)]],
    ],
    ['equal windows count once (Flink groups them in a set)', [w(1, 2), w(1, 2)], []],
  ];
  for (const [name, windows, expected] of cases) {
    test(name, () => {
      assert.deepEqual(merges(windows), expected.map(([g, r]) => [g.map(String).sort(), String(r)]));
    });
  }
});

describe('window serializers', () => {
  test('fixed-size time windows are keyed by their start, a number', () => {
    const s = new TimeWindowStartSerializer(5000);
    assert.equal(s.toNamespace(w(-5000, 0)), -5000);
    assert.ok(s.fromNamespace(-5000).equals(w(-5000, 0)));
    assert.equal(s.id, 'TimeWindow.start/5000');
  });

  test('time windows of any size are keyed by "start:end"', () => {
    const s = TimeWindowBoundsSerializer.INSTANCE;
    for (const win of [w(0, 5), w(-17, -3), w(-MAX_TIMESTAMP, MAX_TIMESTAMP)]) {
      const ns = s.toNamespace(win);
      assert.equal(typeof ns, 'string');
      assert.ok(s.fromNamespace(ns).equals(win), String(win));
    }
  });

  test('the global window is namespace 0 and its maxTimestamp and end are the largest time', () => {
    const s = GlobalWindowSerializer.INSTANCE;
    assert.equal(s.toNamespace(GlobalWindow.get()), 0);
    assert.equal(s.fromNamespace(0), GlobalWindow.get());
    assert.equal(GlobalWindow.get().maxTimestamp(), MAX_TIMESTAMP);
    assert.equal(GlobalWindow.get().end, MAX_TIMESTAMP);
  });

  // Snapshot data is data: anything a serializer cannot have written is refused with a typed error.
  const bad: Array<[string, { fromNamespace(ns: unknown): unknown }, unknown]> = [
    ['a string for a start', new TimeWindowStartSerializer(10), '5'],
    ['a fraction for a start', new TimeWindowStartSerializer(10), 1.5],
    ['an unsafe start', new TimeWindowStartSerializer(10), 2 ** 60],
    ['a number for bounds', TimeWindowBoundsSerializer.INSTANCE, 5],
    ['bounds with junk', TimeWindowBoundsSerializer.INSTANCE, '1:2:3'],
    ['bounds beyond safe integers', TimeWindowBoundsSerializer.INSTANCE, '99999999999999999:1'],
    ['an object for bounds', TimeWindowBoundsSerializer.INSTANCE, { toString: () => '1:2' }],
    ['another global namespace', GlobalWindowSerializer.INSTANCE, 1],
  ];
  for (const [name, s, ns] of bad) {
    test(`refuses ${name}`, () => {
      assert.throws(() => s.fromNamespace(ns), (e: unknown) => e instanceof WindowDataError && e.code === 'state.badWindow');
    });
  }
});
