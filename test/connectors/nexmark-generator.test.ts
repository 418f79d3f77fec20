/**
 * The Nexmark generator: every event a function of its index, Nexmark's proportions, event times
 * from the rate, ids, value ranges and sizes, and the hot-item ratios measured on 100k events
 * (deterministic, since every draw is seeded by the event's index).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Auction, type Bid, NexmarkGenerator, type NexmarkEvent, type Person } from '../../src/connectors/index.js';
import { channelId, FIRST_NAMES, HOT_CHANNELS, LAST_NAMES, US_CITIES, US_STATES } from '../../src/connectors/nexmark/nexmark-strings.js';

const N = 100_000;
const gen = new NexmarkGenerator();
const events: NexmarkEvent[] = [...gen.events(0, N)];
const persons = events.flatMap((e) => (e.person ? [e.person] : []));
const auctions = events.flatMap((e) => (e.auction ? [e.auction] : []));
const bids = events.flatMap((e) => (e.bid ? [e.bid] : []));

const share = (xs: readonly unknown[], pred: (x: never) => boolean) => xs.filter((x) => pred(x as never)).length / xs.length;
const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('NexmarkGenerator', () => {
  test('an event depends on its index alone: any order, any generator, huge indexes', () => {
    const other = new NexmarkGenerator();
    const picks = [0, 1, 3, 4, 49, 50, 12_345, 99_999, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 7, 2 ** 45 + 3, Number.MAX_SAFE_INTEGER - 60];
    const forward = picks.map((i) => JSON.stringify(gen.event(i)));
    const backward = [...picks].reverse().map((i) => JSON.stringify(other.event(i))).reverse();
    assert.deepEqual(backward, forward);
    for (let i = 0; i < 200; i++) assert.equal(JSON.stringify(other.event(i)), JSON.stringify(events[i]));
    // Neighbouring and far-apart indexes do not repeat each other's values.
    assert.notEqual(gen.event(2 ** 32 + 8).bid!.extra, gen.event(4).bid!.extra);
    assert.equal(new Set(bids.slice(0, 1000).map((b) => b.extra)).size, 1000);
  });

  test('every 50 events: 1 person, then 3 auctions, then 46 bids; other proportions as configured', () => {
    for (let i = 0; i < N; i++) {
      const r = i % 50;
      assert.equal(events[i]!.type, r === 0 ? 'person' : r <= 3 ? 'auction' : 'bid', `event ${i}`);
      assert.equal(gen.eventType(i), events[i]!.type);
    }
    assert.deepEqual([persons.length, auctions.length, bids.length], [2000, 6000, 92_000]);
    const custom = new NexmarkGenerator({ personProportion: 2, auctionProportion: 1, bidProportion: 7 });
    assert.equal(Array.from({ length: 20 }, (_, i) => custom.event(i).type[0]).join(''), 'ppabbbbbbbppabbbbbbb');
  });

  test('event times follow the rate from the base time, monotone, the same on the event and its payload', () => {
    const base = Date.UTC(2015, 6, 15);
    for (let i = 0; i < N; i++) {
      const e = events[i]!;
      assert.equal(e.dateTime, base + Math.floor(i / 10), `event ${i}`); // 10,000 events/s: 100 µs apart
      assert.equal((e.person ?? e.auction ?? e.bid)!.dateTime, e.dateTime);
    }
    const slow = new NexmarkGenerator({ firstEventRate: 3, baseTime: 1_000 });
    assert.deepEqual([0, 1, 2, 3, 4, 299].map((i) => slow.timestampForEvent(i)), [1000, 1333, 1666, 2000, 2333, 100_666]);
    assert.equal(slow.event(7).dateTime, slow.timestampForEvent(7));
  });

  test('persons and auctions get consecutive ids from 1000; bids and auctions refer to existing or nearly-next ids', () => {
    assert.deepEqual(persons.map((p) => p.id), Array.from({ length: persons.length }, (_, k) => 1000 + k));
    assert.deepEqual(auctions.map((a) => a.id), Array.from({ length: auctions.length }, (_, k) => 1000 + k));
    for (let i = 0; i < N; i++) {
      const e = events[i]!;
      const newestPerson = 1000 + Math.floor(i / 50);
      const newestAuction = 1000 + Math.floor(i / 50) * 3 + 2;
      const refs: [number, number, number, string][] = e.bid
        ? [
            [e.bid.auction, newestAuction - 100, newestAuction + 10, 'auction'],
            [e.bid.bidder, newestPerson - 1000, newestPerson + 10, 'bidder'],
          ]
        : e.auction
          ? [[e.auction.seller, newestPerson - 1000, newestPerson + 10, 'seller']]
          : [];
      for (const [v, lo, hi, what] of refs) {
        // Hot ones are the first/second id of the newest block of 100, which may be older.
        const hot = Math.floor((newestPerson - 1000) / 100) * 100 + 1000;
        const hotAuction = Math.floor((newestAuction - 1000) / 100) * 100 + 1000;
        const ok = (v >= Math.max(lo, 1000) && v <= hi) || v === hot || v === hot + 1 || v === hotAuction;
        assert.ok(ok, `event ${i}: ${what} ${v} outside [${lo}, ${hi}]`);
      }
    }
  });

  test('values come from Nexmark’s lists and ranges', () => {
    const names = new Set(FIRST_NAMES.flatMap((f) => LAST_NAMES.map((l) => `${f} ${l}`)));
    for (const p of persons) {
      assert.ok(names.has(p.name), p.name);
      assert.ok(US_CITIES.includes(p.city) && US_STATES.includes(p.state), `${p.city}, ${p.state}`);
      assert.match(p.emailAddress, /^([a-z][a-z ]{0,4}[a-z]|[a-z])?@([a-z][a-z ]{0,2}[a-z]|[a-z])?\.com$/);
      assert.match(p.creditCard, /^\d{4} \d{4} \d{4} \d{4}$/);
    }
    for (const a of auctions) {
      assert.ok(a.category >= 10 && a.category <= 14, `category ${a.category}`);
      assert.ok(a.initialBid >= 100 && a.initialBid <= 100_000_000 && Number.isInteger(a.initialBid));
      assert.ok(a.reserve >= a.initialBid + 100);
      assert.ok(a.expires > a.dateTime && a.expires - a.dateTime <= 2 * 167 + 1, `auction ${a.id} lasts ${a.expires - a.dateTime} ms`);
      assert.ok(a.itemName.length <= 19 && a.description.length <= 99 && a.itemName === a.itemName.trim());
    }
    for (const b of bids) {
      assert.ok(b.price >= 100 && b.price <= 100_000_000 && Number.isInteger(b.price));
      if (HOT_CHANNELS.includes(b.channel)) {
        assert.match(b.url, /^https:\/\/www\.nexmark\.com\/[a-z_]{1,4}\/[a-z_]{1,4}\/[a-z_]{1,4}\/item\.htm\?query=1$/);
      } else {
        const m = /^channel-(\d+)$/.exec(b.channel);
        assert.ok(m && Number(m[1]) < 10_000, b.channel);
        assert.match(b.url, new RegExp(`^https://www\\.nexmark\\.com/[a-z_]{1,4}/[a-z_]{1,4}/[a-z_]{1,4}/item\\.htm\\?query=1(&channel_id=${channelId(Number(m[1]))})?$`));
      }
    }
    // Prices are log-uniform: each decade of 100 … 10^8 gets about a sixth.
    for (let d = 2; d < 8; d++) {
      const s = share(bids, (b: Bid) => b.price >= 10 ** d && b.price < 10 ** (d + 1));
      assert.ok(Math.abs(s - 1 / 6) < 0.01, `decade 10^${d}: ${s}`);
    }
    // Java's Math.abs(Integer.reverse(i)), overflow included.
    assert.deepEqual([0, 1, 2, 3, 9999].map(channelId), [0, -2147483648, 1073741824, 1073741824, 253493248]);
  });

  test('extra pads each kind up to its average size (±20%)', () => {
    const personSize = (p: Person) => 8 + p.name.length + p.emailAddress.length + p.creditCard.length + p.city.length + p.state.length;
    const auctionSize = (a: Auction) => 48 + a.itemName.length + a.description.length;
    const cases: [string, number[], number[], number][] = [
      ['person', persons.map((p) => p.extra.length), persons.map(personSize), 200],
      ['auction', auctions.map((a) => a.extra.length), auctions.map(auctionSize), 500],
      ['bid', bids.map((b) => b.extra.length), bids.map(() => 32), 100],
    ];
    for (const [kind, extras, fixed, avg] of cases) {
      const total = mean(extras.map((x, k) => x + fixed[k]!));
      assert.ok(Math.abs(total - avg) < avg * 0.01, `${kind}: average size ${total}, expected ${avg}`);
      extras.forEach((x, k) => {
        const gap = avg - fixed[k]!;
        assert.ok(x >= gap - Math.round(gap * 0.2) && x <= gap + Math.round(gap * 0.2), `${kind} ${k}: extra ${x} for gap ${gap}`);
      });
    }
    assert.ok(bids.every((b) => /^[H-z]+$/.test(b.extra)));
    const small = new NexmarkGenerator({ avgBidByteSize: 10 });
    assert.equal(small.event(4).bid!.extra, '', 'nothing to pad when the fixed fields exceed the average');
  });

  test('hot auctions, bidders, sellers and channels at Nexmark’s ratios', () => {
    // Hot auctions are multiples of 100 (from 1000), hot bidders 1 past one, hot sellers multiples.
    // A random pick hits one of those about 1% of the time, on top of the hot share.
    const within = (actual: number, expected: number, tol: number, what: string) =>
      assert.ok(Math.abs(actual - expected) < tol, `${what}: ${actual.toFixed(4)}, expected ${expected} ± ${tol}`);
    within(share(bids, (b: Bid) => b.auction % 100 === 0), 0.5 + 0.5 / 100, 0.01, 'bids on hot auctions (ratio 2)');
    within(share(bids, (b: Bid) => b.bidder % 100 === 1), 0.75 + 0.25 / 100, 0.01, 'bids by hot bidders (ratio 4)');
    within(share(auctions, (a: Auction) => a.seller % 100 === 0), 0.75 + 0.25 / 100, 0.02, 'auctions by hot sellers (ratio 4)');
    within(share(bids, (b: Bid) => HOT_CHANNELS.includes(b.channel)), 0.5, 0.01, 'bids through hot channels');
    within(share(bids, (b: Bid) => b.url.includes('channel_id=')), 0.5 * 0.9, 0.01, 'bids with a channel_id');

    const cold = new NexmarkGenerator({ hotAuctionRatio: 1, hotBiddersRatio: 1, hotSellersRatio: 10 });
    const coldEvents = [...cold.events(0, 50_000)];
    const coldBids = coldEvents.flatMap((e) => (e.bid ? [e.bid] : []));
    within(share(coldBids, (b: Bid) => b.auction % 100 === 0), 0.01, 0.01, 'ratio 1: no hot auctions beyond chance');
    within(share(coldBids, (b: Bid) => b.bidder % 100 === 1), 0.01, 0.005, 'ratio 1: no hot bidders beyond chance');
    const coldAuctions = coldEvents.flatMap((e) => (e.auction ? [e.auction] : []));
    within(share(coldAuctions, (a: Auction) => a.seller % 100 === 0), 0.9 + 0.1 / 100, 0.03, 'auctions by hot sellers (ratio 10)');
  });

  test('options are checked where the generator is made', () => {
    assert.throws(() => new NexmarkGenerator({ firstEventRate: 0 }), /firstEventRate must be a positive number/);
    assert.throws(() => new NexmarkGenerator({ bidProportion: 1.5 }), /bidProportion must be an integer >= 1/);
    assert.throws(() => new NexmarkGenerator({ avgBidByteSize: -1 }), /avgBidByteSize must be an integer >= 0/);
    assert.throws(() => new NexmarkGenerator({ hotBidderRatio: 2 } as never), /Unknown Nexmark generator option 'hotBidderRatio'/);
    assert.equal(new NexmarkGenerator({ firstEventRate: undefined }).config.firstEventRate, 10_000);
  });
});
