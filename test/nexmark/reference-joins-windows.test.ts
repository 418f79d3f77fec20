/**
 * The references of the joins (q3, q4, q6, q9, q20) and the event-time windows (q5, q7, q8,
 * q11) on hand-made events, at their edges: inclusive time bounds, arrival order, ties in max,
 * window boundaries, touching sessions. Then every reference over generated events, to show the
 * generator gives each query something to find.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { NexmarkGenerator } from '../../src/connectors/nexmark/index.js';
import { auction, bid, multiset, person } from './events.js';
import { NEXMARK_REFERENCES, hopStarts, q3, q4, q5, q6, q7, q8, q9, q11, q20, sessions, tumbleStart } from './reference/index.js';

describe('window arithmetic', () => {
  test('tumbling and sliding windows are [start, end), aligned to the epoch', () => {
    assert.deepEqual([0, 9_999, 10_000, 12_345].map((t) => tumbleStart(t, 10_000)), [0, 0, 10_000, 10_000]);
    assert.deepEqual(hopStarts(10_000, 10_000, 2_000), [10_000, 8_000, 6_000, 4_000, 2_000]);
    assert.deepEqual(hopStarts(9_999, 10_000, 2_000), [8_000, 6_000, 4_000, 2_000, 0]);
  });

  test('sessions merge spans that overlap or touch, in any input order', () => {
    assert.deepEqual(sessions([20_001, 0, 10_000], 10_000), [
      { start: 0, end: 20_000, count: 2 },
      { start: 20_001, end: 30_001, count: 1 },
    ]);
    assert.deepEqual(sessions([5, 5, 3], 10), [{ start: 3, end: 15, count: 3 }]);
  });
});

describe('joins', () => {
  test('q3: a category-10 auction by a seller from OR, ID or CA, whichever arrives first', () => {
    const rows = q3([
      auction({ id: 2000, seller: 1005, category: 10 }),
      person({ id: 1005, name: 'Kate White', city: 'Bend', state: 'OR' }),
      person({ id: 1006, state: 'WA' }),
      auction({ id: 2001, seller: 1006, category: 10 }),
      auction({ id: 2002, seller: 1005, category: 11 }),
      auction({ id: 2003, seller: 1005, category: 10 }),
      auction({ id: 2004, seller: 1999, category: 10 }),
    ]);
    assert.deepEqual(rows, [
      { name: 'Kate White', city: 'Bend', state: 'OR', id: 2000 },
      { name: 'Kate White', city: 'Bend', state: 'OR', id: 2003 },
    ]);
  });

  const openAuctions = [
    bid({ auction: 1, price: 70, dateTime: 100 }), // before its auction arrives, and at its start: counts
    auction({ id: 1, category: 10, dateTime: 100, expires: 200 }),
    bid({ auction: 1, price: 90, dateTime: 200 }), // exactly at expiry: counts
    bid({ auction: 1, price: 500, dateTime: 201 }), // after expiry
    bid({ auction: 1, price: 400, dateTime: 99 }), // before the auction opened
    auction({ id: 2, category: 10, dateTime: 0, expires: 50 }),
    bid({ auction: 2, price: 11, dateTime: 10 }),
    auction({ id: 3, category: 11, dateTime: 0, expires: 50 }),
    bid({ auction: 3, price: 7, dateTime: 10 }),
    auction({ id: 4, category: 11, dateTime: 0, expires: 50 }), // no bids: not counted
    bid({ auction: 5, price: 1_000, dateTime: 10 }), // no such auction
  ];

  test('q4: the average winning price per category, bids in [dateTime, expires], truncated', () => {
    assert.deepEqual(q4(openAuctions), [{ id: 10, final: 50 }, { id: 11, final: 7 }]); // (90 + 11) / 2 = 50.5
  });

  test('q9: the winning bid per auction: highest price, then earliest, then first to arrive', () => {
    assert.deepEqual(q9(openAuctions).map((r) => [r.id, r.price, r.bid_dateTime]), [[1, 90, 200], [2, 11, 10], [3, 7, 10]]);
    const ties = q9([
      auction({ id: 1, dateTime: 0, expires: 100 }),
      bid({ auction: 1, bidder: 1, price: 5, dateTime: 20 }),
      bid({ auction: 1, bidder: 2, price: 5, dateTime: 10 }),
      bid({ auction: 1, bidder: 3, price: 5, dateTime: 10 }),
    ]);
    assert.equal(ties[0]!.bidder, 2);
  });

  test('q6: per seller, the truncated average of each winning price and the 10 before it', () => {
    const events = Array.from({ length: 12 }, (_, k) => [
      auction({ id: k + 1, seller: 7, dateTime: 0, expires: 100 }),
      bid({ auction: k + 1, price: (k + 1) * 10 + (k === 11 ? 5 : 0), dateTime: 50 - k }), // later auctions win earlier
    ]).flat();
    const rows = q6([...events, auction({ id: 99, seller: 3, dateTime: 0, expires: 10 }), bid({ auction: 99, price: 4, dateTime: 1 })]);
    // Seller 7's winning bids by time: 125 (t=39), 110, 100, …, 10 (t=50).
    const prices = [125, 110, 100, 90, 80, 70, 60, 50, 40, 30, 20, 10];
    const expected = prices.map((_, k) => Math.trunc(prices.slice(Math.max(0, k - 10), k + 1).reduce((a, b) => a + b, 0) / Math.min(k + 1, 11)));
    assert.deepEqual(rows, [{ seller: 3, avg_price: 4 }, ...expected.map((avg_price) => ({ seller: 7, avg_price }))]);
    assert.equal(expected[11], 660 / 11, 'the last row covers 11 prices, without the first');
  });

  test('q20: every bid on a category-10 auction, arriving before or after it', () => {
    const rows = q20([
      bid({ auction: 1, bidder: 5, dateTime: 3 }),
      auction({ id: 1, category: 10, itemName: 'lamp' }),
      auction({ id: 2, category: 12 }),
      bid({ auction: 1, bidder: 6, dateTime: 4 }),
      bid({ auction: 2, bidder: 7 }),
    ]);
    assert.deepEqual(rows.map((r) => [r.auction, r.bidder, r.bid_dateTime, r.itemName, r.category]), [[1, 5, 3, 'lamp', 10], [1, 6, 4, 'lamp', 10]]);
  });
});

describe('event-time windows', () => {
  test('q5: per sliding window, every auction tied for the most bids', () => {
    const rows = q5([
      bid({ auction: 1, dateTime: 1_000 }),
      bid({ auction: 2, dateTime: 1_500 }),
      bid({ auction: 2, dateTime: 9_999 }),
      bid({ auction: 1, dateTime: 10_000 }), // not in [0, 10000)
    ]);
    const at = (start: number) => rows.filter((r) => r.starttime === start).map((r) => [r.auction, r.num]);
    assert.deepEqual(at(0), [[2, 2]]);
    assert.deepEqual(at(2_000), [[1, 1], [2, 1]], 'a tie: both auctions');
    assert.deepEqual(at(10_000), [[1, 1]]);
    assert.deepEqual(at(-8_000), [[1, 1], [2, 1]]);
    assert.equal(rows.length, 4 * 2 + 1 + 4 * 2 + 1, 'windows from -8000 to 10000, each with its ties');
    assert.ok(rows.every((r) => r.endtime === r.starttime + 10_000));
  });

  test('q7: the highest bids per window, ties kept; a bid exactly at a window end matches it too', () => {
    const rows = q7([
      bid({ auction: 1, price: 50, dateTime: 1_000 }),
      bid({ auction: 2, price: 50, dateTime: 9_999 }),
      bid({ auction: 3, price: 10, dateTime: 5_000 }),
      bid({ auction: 4, price: 50, dateTime: 10_000 }), // next window's only bid, and at [0, 10000)'s end
      bid({ auction: 5, price: 70, dateTime: 20_000 }),
    ]);
    assert.deepEqual(rows.map((r) => r.auction), [1, 2, 4, 4, 5]);
    assert.deepEqual(Object.keys(rows[0]!), ['auction', 'price', 'bidder', 'dateTime', 'extra']);
  });

  test('q8: persons who opened an auction in the window they registered in', () => {
    const rows = q8([
      person({ id: 1, name: 'A', dateTime: 9_000 }),
      auction({ id: 10, seller: 1, dateTime: 9_999 }),
      auction({ id: 11, seller: 1, dateTime: 9_500 }),
      person({ id: 2, name: 'B', dateTime: 9_000 }),
      auction({ id: 12, seller: 2, dateTime: 10_000 }), // the next window
      auction({ id: 13, seller: 3, dateTime: 25_000 }), // arrives before its person
      person({ id: 3, name: 'C', dateTime: 21_000 }),
    ]);
    assert.deepEqual(rows, [{ id: 1, name: 'A', stime: 0 }, { id: 3, name: 'C', stime: 20_000 }]);
  });

  test('q11: sessions per bidder with a 10 s gap; bids exactly 10 s apart share one', () => {
    const rows = q11([
      bid({ auction: 1, bidder: 1, dateTime: 0 }),
      bid({ auction: 1, bidder: 2, dateTime: 5 }),
      bid({ auction: 1, bidder: 1, dateTime: 10_000 }),
      bid({ auction: 1, bidder: 1, dateTime: 20_001 }),
    ]);
    assert.deepEqual(rows, [
      { bidder: 1, bid_count: 2, starttime: 0, endtime: 20_000 },
      { bidder: 1, bid_count: 1, starttime: 20_001, endtime: 30_001 },
      { bidder: 2, bid_count: 1, starttime: 5, endtime: 10_005 },
    ]);
  });
});

describe('every reference over generated events', () => {
  test('each query finds rows in 50k events at 1,000 events/s; the references are pure', () => {
    const gen = new NexmarkGenerator({ firstEventRate: 1_000 });
    const events = [...gen.events(0, 50_000)];
    const sizes: Record<string, number> = {};
    for (const [name, run] of Object.entries(NEXMARK_REFERENCES)) {
      const rows = run(events);
      sizes[name] = rows.length;
      assert.ok(rows.length > 0, `${name} finds nothing`);
      if (name === 'q5' || name === 'q19') assert.deepEqual(multiset(run(gen.events(0, 50_000))), multiset(rows), `${name} over an iterator`);
    }
    assert.equal(sizes.q0, 46_000);
    assert.ok(sizes.q12! < 1_000 && sizes.q20! < sizes.q0!, JSON.stringify(sizes));
  });
});
