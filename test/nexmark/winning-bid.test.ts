/**
 * q9's order of an auction's bids (jobs/nexmark/winning-bid.ts), as Nexmark's SQL ranks them:
 * price descending, then event time ascending; a bid equal in both to the best keeps the best
 * (the first to arrive). Arrival order is not event-time order once sources run in parallel,
 * which the generated runs of the jobs test rarely show with equal prices.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { beatsBest } from '../../jobs/nexmark/winning-bid.js';

/** The winner of `bids` in arrival order, as the job keeps it. */
function winner(bids: ReadonlyArray<{ id: string; price: number; dateTime: number }>): string | undefined {
  let best: (typeof bids)[number] | undefined;
  for (const b of bids) if (beatsBest(b, best)) best = b;
  return best?.id;
}

test('the highest price wins, whenever it arrives', () => {
  assert.equal(winner([{ id: 'a', price: 10, dateTime: 5 }, { id: 'b', price: 12, dateTime: 9 }, { id: 'c', price: 11, dateTime: 1 }]), 'b');
});

test('among equal prices the earliest bid wins, even when it arrives later', () => {
  assert.equal(winner([{ id: 'late', price: 10, dateTime: 7 }, { id: 'early', price: 10, dateTime: 3 }]), 'early');
  assert.equal(winner([{ id: 'early', price: 10, dateTime: 3 }, { id: 'late', price: 10, dateTime: 7 }]), 'early');
});

test('a bid equal in price and time to the best does not replace it: the first to arrive stays', () => {
  assert.equal(winner([{ id: 'first', price: 10, dateTime: 3 }, { id: 'second', price: 10, dateTime: 3 }]), 'first');
});
