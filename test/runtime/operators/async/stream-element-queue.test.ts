/*
 * The async operator's queue (Flink's OrderedStreamElementQueueTest and
 * UnorderedStreamElementQueueTest): what may leave, and in which order.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ElementEntry, type QueueEntry, StreamElementQueue } from '../../../../src/runtime/operators/async/stream-element-queue.js';

const el = (n: number): ElementEntry<number> => ({ kind: 'element', element: n, results: undefined, completedAt: 0 });
const wm = (t: number): QueueEntry<number> => ({ kind: 'watermark', timestamp: t });
const names = (es: readonly QueueEntry<number>[]) => es.map((e) => (e.kind === 'watermark' ? `W${e.timestamp}` : `e${e.element}`));

test('ordered: the head leaves once complete, the rest wait behind it; a watermark leaves after everything before it', () => {
  const q = new StreamElementQueue<number>(true);
  const [a, b, c] = [el(1), el(2), el(3)];
  q.add(a);
  q.add(b);
  q.add(wm(10));
  q.add(c);
  q.complete(b, ['B']);
  q.complete(c, ['C']);
  assert.deepEqual(names(q.takeReady()), [], 'the head (1) is not complete');
  q.complete(a, ['A']);
  assert.deepEqual(names(q.takeReady()), ['e1', 'e2', 'W10', 'e3']);
  assert.equal(q.size, 0);
});

test('unordered: complete elements leave in the order they completed, but never across a watermark', () => {
  const q = new StreamElementQueue<number>(false);
  const [a, b, c, d] = [el(1), el(2), el(3), el(4)];
  q.add(a);
  q.add(b);
  q.add(wm(10));
  q.add(c);
  q.add(wm(20));
  q.add(d);
  q.complete(d, []);
  q.complete(b, []);
  q.complete(c, []);
  assert.deepEqual(names(q.takeReady()), ['e2'], '3 and 4 wait for the watermarks before them');
  assert.equal(q.size, 5);
  q.complete(a, []);
  assert.deepEqual(names(q.takeReady()), ['e1', 'W10', 'e3', 'W20', 'e4']);
  assert.equal(q.size, 0);
  // A watermark at the head leaves at once.
  q.add(wm(30));
  assert.deepEqual(names(q.takeReady()), ['W30']);
});

test('unordered: within a segment, the order of completion', () => {
  const q = new StreamElementQueue<number>(false);
  const es = [el(1), el(2), el(3)];
  for (const e of es) q.add(e);
  q.complete(es[2]!, []);
  q.complete(es[0]!, []);
  q.complete(es[1]!, []);
  assert.deepEqual(names(q.takeReady()), ['e3', 'e1', 'e2']);
});
