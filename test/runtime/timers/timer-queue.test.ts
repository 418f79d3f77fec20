/*
 * The timer queue (ascending runs beside a binary heap) and the heap itself give timers back in
 * (time, registration) order whatever order they were pushed in: interleaved ascending streams
 * (the runs' case), one stream that outgrows a run's slots while wrapped around them, more
 * streams than there are runs, random times with ties (the heap's case), and after a drain and
 * reset or a compaction in place (retain).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type HeapTimer, type RetainPredicate, TimerHeap } from '../../../src/runtime/timers/timer-heap.js';
import { TimerQueue } from '../../../src/runtime/timers/timer-queue.js';

/** A deterministic pseudo-random sequence in [0, 1). */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

const byOrder = (a: HeapTimer, b: HeapTimer) => a.timestamp - b.timestamp || a.seq - b.seq;

interface Queue {
  readonly size: number;
  push(t: HeapTimer): void;
  pop(): HeapTimer | undefined;
  peekTime(): number;
  drain(): HeapTimer[];
  reset(timers: HeapTimer[]): void;
  retain(keep: RetainPredicate): number;
}

/** The queue, taking a timer object's fields. */
function timerQueue(): Queue {
  const queue = new TimerQueue();
  return {
    get size() {
      return queue.size;
    },
    push: (t) => queue.add(t.timestamp, t.key, t.namespace, t.mapKey, t.keyGroup, t.seq),
    pop: () => queue.pop(),
    peekTime: () => queue.peekTime(),
    drain: () => queue.drain(),
    reset: (timers) => queue.reset(timers),
    retain: (keep) => queue.retain(keep),
  };
}

/** The heap with the queue's `peekTime`. */
function heapQueue(): Queue {
  const heap = new TimerHeap();
  return {
    get size() {
      return heap.size;
    },
    push: (t) => heap.push(t),
    pop: () => heap.pop(),
    peekTime: () => heap.peek()?.timestamp ?? Infinity,
    drain: () => heap.drain(),
    reset: (timers) => heap.reset(timers),
    retain: (keep) => heap.retain(keep),
  };
}

/**
 * Pushes `steps` timers with times from `time(step)`, popping one after every `popEvery` pushes
 * and draining and resetting, or dropping every fifth key's timers (a compaction), now and then; checks every pop against a sorted reference, and
 * empties the queue at the end.
 */
function check(queue: Queue, steps: number, time: (step: number) => number, popEvery: number): void {
  const pending: HeapTimer[] = [];
  let seq = 0;
  const expectPop = () => {
    pending.sort(byOrder);
    const expected = pending.shift();
    assert.equal(queue.peekTime(), expected?.timestamp, 'peekTime shows the next timer\'s time');
    const popped = queue.pop();
    // A copy: the queue may hand out an object of its own, reused by the next pop.
    assert.deepEqual(popped && { ...popped }, expected, 'the earliest timer comes out first, with its key, namespace and key group');
  };
  for (let step = 0; step < steps; step++) {
    const t: HeapTimer = { timestamp: time(step), key: step, namespace: step % 3, mapKey: `k${step}`, keyGroup: step % 128, seq: seq++ };
    queue.push(t);
    pending.push(t);
    if (step % popEvery === popEvery - 1) expectPop();
    if (step % 997 === 996) {
      const all = queue.drain();
      assert.equal(all.length, pending.length, 'drain returns every timer');
      assert.equal(queue.size, 0);
      queue.reset(all);
    }
    if (step % 1499 === 1498) {
      const kept = queue.retain((_time, key) => (key as number) % 5 !== 0);
      for (let i = pending.length - 1; i >= 0; i--) if ((pending[i]!.key as number) % 5 === 0) pending.splice(i, 1);
      assert.equal(kept, pending.length, 'retain keeps the timers asked for');
    }
    assert.equal(queue.size, pending.length);
  }
  while (pending.length > 0) expectPop();
  assert.equal(queue.pop(), undefined);
}

for (const [name, make] of [
  ['TimerHeap', heapQueue],
  ['TimerQueue', timerQueue],
] as const) {
  describe(name, () => {
    test('random times with many ties come out in time, then registration, order', () => {
      const r = random(7);
      check(make(), 5000, () => Math.floor(r() * 50), 3);
    });

    test('two interleaved ascending streams, with a few stragglers', () => {
      const r = random(11);
      check(make(), 5000, (i) => (i % 2 === 0 ? i : i + 3000) - (r() < 0.05 ? 40 : 0), 2);
    });

    test('more ascending streams than there are runs', () => {
      check(make(), 6000, (i) => (i % 7) * 10_000 + (i >> 3), 4);
    });

    test('one ascending stream popped as it grows: a run wraps around its slots, then grows', () => {
      check(make(), 3000, (i) => i, 3);
    });

    test('descending times', () => {
      check(make(), 2000, (i) => 10_000 - i, 5);
    });
  });
}
