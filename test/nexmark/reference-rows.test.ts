/**
 * The references of the per-bid queries (q0–q2, q10, q13, q14, q21, q22) and of the unwindowed
 * aggregations (q12, q15–q19) on hand-made events, at their edges: SQL functions, price ranks,
 * day and hour boundaries in UTC, ties in deduplication and top-N.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bid, multiset } from './events.js';
import { type Part, checkOneRunPerSubtask } from './outputs.js';
import {
  bidTimeType, countChar, formatDay, formatHourMinute, nexmarkSideInput, q0, q1, q2, q10, q12, q13, q14, q15,
  q16, q17, q18, q19, q21, q22, regexpExtract, splitIndex, toEuro,
} from './reference/index.js';

const H = 3_600_000;
const DAY = 24 * H;
const T0 = Date.UTC(2015, 6, 15);

describe('SQL functions as Flink SQL computes them', () => {
  test('dates and hours in UTC, at their boundaries', () => {
    assert.equal(formatDay(T0 + DAY - 1), '2015-07-15');
    assert.equal(formatDay(T0 + DAY), '2015-07-16');
    assert.equal(formatHourMinute(T0 + 9 * H + 5 * 60_000 + 59_999), '09:05');
    assert.deepEqual([6, 7, 8, 18, 19, 20, 23].map((h) => bidTimeType(T0 + h * H)), [
      'nightTime', 'otherTime', 'dayTime', 'dayTime', 'otherTime', 'nightTime', 'nightTime',
    ]);
    assert.equal(bidTimeType(T0 + 8 * H - 1), 'otherTime');
  });

  test('0.908 * price as the exact decimal; string functions', () => {
    assert.equal(String(toEuro(123)), '111.684');
    assert.equal(String(toEuro(100_000_000)), '90800000');
    assert.equal(String(0.908 * 108), '98.06400000000001', 'the plain double product prints noise');
    assert.equal(String(toEuro(108)), '98.064');
    assert.deepEqual(splitIndex('https://www.nexmark.com/a/b/c/item.htm', '/', 3), ['a']);
    assert.deepEqual(splitIndex('https://x/a', '/', 1, 3, 5, -1), ['', 'a', null, null]);
    const re = /(&|^)channel_id=([^&]*)/;
    assert.equal(regexpExtract('https://x/item.htm?query=1&channel_id=42', re, 2), '42');
    assert.equal(regexpExtract('channel_id=7&x=1', re, 2), '7');
    assert.equal(regexpExtract('https://x/item.htm?query=1&channel_id=&x', re, 2), '');
    assert.equal(regexpExtract('https://x/item.htm?query=1&xchannel_id=5', re, 2), null);
    assert.equal(countChar('accbc', 'c'), 3);
  });
});

describe('per-bid queries', () => {
  const events = [
    bid({ auction: 1107, bidder: 1, price: 123, dateTime: T0 + 7 * H, extra: 'cc', url: 'https://www.nexmark.com/d1/d2/d3/item.htm?query=1&channel_id=9', channel: 'channel-3' }),
    bid({ auction: 1106, bidder: 2, price: 1_101_322, dateTime: T0 + 8 * H, extra: 'abc', channel: 'APPLE' }),
    bid({ auction: 1230, bidder: 3, price: 1_101_321, dateTime: T0 + DAY - 1, channel: 'channel-4', url: 'https://www.nexmark.com/x/item.htm' }),
    bid({ auction: 1, bidder: 4, price: 55_066_079, dateTime: T0 + DAY, extra: 'c', channel: 'Baidu' }),
    bid({ auction: 2, bidder: 5, price: 55_066_080, dateTime: T0, channel: 'channel-5', url: 'https://www.nexmark.com/p/q/r/item.htm?query=1&channel_id=' }),
  ];

  test('q0 passes bids through; q1 converts prices; q2 keeps every 123rd auction', () => {
    assert.deepEqual(q0(events)[0], { auction: 1107, bidder: 1, price: 123, dateTime: T0 + 7 * H, extra: 'cc' });
    assert.deepEqual(q1(events).map((r) => r.price), [111.684, 1_000_000.376, 999_999.468, 49_999_999.732, 50_000_000.64]);
    assert.deepEqual(q2(events), [{ auction: 1107, price: 123 }, { auction: 1230, price: 1_101_321 }]);
  });

  test('q10 partitions by day and minute', () => {
    assert.deepEqual(q10(events).map((r) => `${r.dt}/${r.hm}`), ['2015-07-15/07:00', '2015-07-15/08:00', '2015-07-15/23:59', '2015-07-16/00:00', '2015-07-15/00:00']);
  });

  test('q13 looks up auction % 10000; a missing key drops the bid', () => {
    assert.deepEqual(q13(events).map((r) => r.value), ['1107', '1106', '1230', '1', '2']);
    assert.deepEqual(q13(events, new Map([[1107, 'x']])), [{ auction: 1107, bidder: 1, price: 123, dateTime: T0 + 7 * H, value: 'x' }]);
    assert.equal(nexmarkSideInput().size, 10_000);
  });

  test('q14 keeps euro prices strictly between 10^6 and 5·10^7, with the part of day and the c count', () => {
    assert.deepEqual(q14(events), [
      { auction: 1106, bidder: 2, price: 1_000_000.376, bidTimeType: 'dayTime', dateTime: T0 + 8 * H, extra: 'abc', c_counts: 1 },
      { auction: 1, bidder: 4, price: 49_999_999.732, bidTimeType: 'nightTime', dateTime: T0 + DAY, extra: 'c', c_counts: 1 },
    ]);
  });

  test('q21 numbers the known channels in any case and extracts channel_id, even an empty one', () => {
    assert.deepEqual(q21(events).map((r) => [r.channel, r.channel_id]), [['channel-3', '9'], ['APPLE', '0'], ['Baidu', '3'], ['channel-5', '']]);
  });

  test('q22 splits URL directories; null beyond the last part', () => {
    assert.deepEqual(q22(events).map((r) => [r.dir1, r.dir2, r.dir3]), [
      ['d1', 'd2', 'd3'], ['a', 'b', 'c'], ['x', 'item.htm', null], ['a', 'b', 'c'], ['p', 'q', 'r'],
    ]);
  });
});

describe('unwindowed aggregations', () => {
  test('q15 counts bids, bidders and auctions per day and price rank (rank bounds 10^4 and 10^6)', () => {
    const rows = q15([
      bid({ auction: 1, bidder: 1, price: 9_999, dateTime: T0 }),
      bid({ auction: 1, bidder: 1, price: 10_000, dateTime: T0 + 1 }),
      bid({ auction: 2, bidder: 1, price: 999_999, dateTime: T0 + 2 }),
      bid({ auction: 2, bidder: 2, price: 1_000_000, dateTime: T0 + DAY - 1 }),
      bid({ auction: 3, bidder: 3, price: 5, dateTime: T0 + DAY }),
    ]);
    assert.deepEqual(rows, [
      {
        day: '2015-07-15', total_bids: 4, rank1_bids: 1, rank2_bids: 2, rank3_bids: 1,
        total_bidders: 2, rank1_bidders: 1, rank2_bidders: 1, rank3_bidders: 1,
        total_auctions: 2, rank1_auctions: 1, rank2_auctions: 2, rank3_auctions: 1,
      },
      {
        day: '2015-07-16', total_bids: 1, rank1_bids: 1, rank2_bids: 0, rank3_bids: 0,
        total_bidders: 1, rank1_bidders: 1, rank2_bidders: 0, rank3_bidders: 0,
        total_auctions: 1, rank1_auctions: 1, rank2_auctions: 0, rank3_auctions: 0,
      },
    ]);
  });

  test('q16 groups by channel and day, with the latest minute', () => {
    const rows = q16([
      bid({ auction: 1, channel: 'b', dateTime: T0 + 10 * 60_000 }),
      bid({ auction: 1, channel: 'a', dateTime: T0 + 9 * H }),
      bid({ auction: 2, channel: 'a', dateTime: T0 + 2 * H }),
      bid({ auction: 1, channel: 'a', dateTime: T0 + DAY }),
    ]);
    assert.deepEqual(rows.map((r) => [r.channel, r.day, r.minute, r.total_bids, r.total_auctions]), [
      ['a', '2015-07-15', '09:00', 2, 2],
      ['a', '2015-07-16', '00:00', 1, 1],
      ['b', '2015-07-15', '00:10', 1, 1],
    ]);
  });

  test('q17 per auction and day: counts, min, max, truncated average, sum', () => {
    const rows = q17([
      bid({ auction: 7, price: 10, dateTime: T0 }),
      bid({ auction: 7, price: 11, dateTime: T0 + 1 }),
      bid({ auction: 7, price: 2_000_000, dateTime: T0 + DAY }),
    ]);
    assert.deepEqual(rows, [
      { auction: 7, day: '2015-07-15', total_bids: 2, rank1_bids: 2, rank2_bids: 0, rank3_bids: 0, min_price: 10, max_price: 11, avg_price: 10, sum_price: 21 },
      { auction: 7, day: '2015-07-16', total_bids: 1, rank1_bids: 0, rank2_bids: 0, rank3_bids: 1, min_price: 2_000_000, max_price: 2_000_000, avg_price: 2_000_000, sum_price: 2_000_000 },
    ]);
  });

  test('q18 keeps the latest bid per bidder and auction; equal times: the later arrival; older arrivals ignored', () => {
    const rows = q18([
      bid({ auction: 1, bidder: 1, price: 1, dateTime: 5 }),
      bid({ auction: 1, bidder: 1, price: 2, dateTime: 9 }),
      bid({ auction: 1, bidder: 1, price: 3, dateTime: 9 }),
      bid({ auction: 1, bidder: 1, price: 4, dateTime: 8 }),
      bid({ auction: 2, bidder: 1, price: 5, dateTime: 1 }),
      bid({ auction: 1, bidder: 2, price: 6, dateTime: 1 }),
    ]);
    assert.deepEqual(rows.map((r) => [r.bidder, r.auction, r.price]), [[1, 1, 3], [1, 2, 5], [2, 1, 6]]);
  });

  test('q19 keeps the 10 highest bids per auction, ranked; equal prices rank by arrival', () => {
    const bids = [
      ...Array.from({ length: 11 }, (_, k) => bid({ auction: 1, bidder: k, price: 50 })),
      bid({ auction: 1, bidder: 99, price: 60 }),
      bid({ auction: 2, bidder: 7, price: 1 }),
    ];
    const rows = q19(bids);
    assert.deepEqual(rows.map((r) => [r.auction, r.rank_number, r.bidder, r.price]), [
      [1, 1, 99, 60], ...Array.from({ length: 9 }, (_, k) => [1, k + 2, k, 50]), [2, 1, 7, 1],
    ]);
  });

  test('q12 adds up each bidder’s bids', () => {
    assert.deepEqual(multiset(q12([bid({ auction: 1, bidder: 2 }), bid({ auction: 3, bidder: 1 }), bid({ auction: 4, bidder: 2 })])), multiset([
      { bidder: 1, bid_count: 1 },
      { bidder: 2, bid_count: 2 },
    ]));
  });
});

describe('reading an upsert stream from part files', () => {
  const part = (run: string, subtask: number): Part => ({ bucket: '', run, subtask, rows: [] });
  test('parts of one run per subtask are in order; a subtask with two runs (a restore) is refused', () => {
    checkOneRunPerSubtask([part('aa', 0), part('aa', 0), part('bb', 1)]);
    assert.throws(() => checkOneRunPerSubtask([part('aa', 0), part('cc', 0)]), /subtask 0 wrote parts in runs aa and cc: their order is unknown/);
  });
});
