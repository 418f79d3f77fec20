/**
 * The generator against Nexmark's own formulas, written out here from its Java generator
 * (GeneratorConfig, PersonGenerator, AuctionGenerator, BidGenerator, StringsGenerator) with its
 * long and int arithmetic: every value that does not come from a random draw is checked exactly,
 * event by event, and every drawn value against the exact range Nexmark draws it from. Ids count
 * from event 0, as in Beam's Nexmark (Nexmark's Flink source starts at event 2; see README).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { NexmarkGenerator } from '../../src/connectors/index.js';
import { exactChars } from '../../src/connectors/nexmark/nexmark-strings.js';

const BASE = Date.UTC(2015, 6, 15);
const N = 20_000;
const gen = new NexmarkGenerator();

// GeneratorConfig with Nexmark's defaults (one generator).
const TOTAL = 50;
const INTER_EVENT_DELAY_US = 1_000_000.0 / 10_000;
/** `baseTime + (long)(eventNumber * interEventDelayUs) / 1000L`. */
const timestampForEvent = (n: number) => BASE + Math.trunc(Math.trunc(n * INTER_EVENT_DELAY_US) / 1000);
/** PersonGenerator.lastBase0PersonId (personProportion 1). */
function lastPerson(id: number): number {
  const epoch = Math.trunc(id / TOTAL);
  let offset = id % TOTAL;
  if (offset >= 1) offset = 1 - 1;
  return epoch * 1 + offset;
}
/** AuctionGenerator.lastBase0AuctionId. */
function lastAuction(id: number): number {
  let epoch = Math.trunc(id / TOTAL);
  let offset = id % TOTAL;
  if (offset < 1) {
    epoch--;
    offset = 2;
  } else if (offset >= 4) offset = 2;
  else offset -= 1;
  return epoch * 3 + offset;
}
/** nextBase0PersonId: `numPeople - activePeople + nextLong(activePeople + 10)`. */
function personRange(id: number): [number, number] {
  const numPeople = lastPerson(id) + 1;
  const active = Math.min(numPeople, 1000);
  return [numPeople - active, numPeople - active + active + 10 - 1];
}
/** nextBase0AuctionId: `min + nextLong(max - min + 1 + 10)`, min = max(last - 100, 0). */
function auctionRange(id: number): [number, number] {
  const max = lastAuction(id);
  const min = Math.max(max - 100, 0);
  return [min, min + (max - min + 1 + 10) - 1];
}
/** nextExtra's bounds: `gap - delta + nextInt(2 delta)`, delta = round(gap / 5). */
function extraRange(fixed: number, average: number): [number, number] {
  if (fixed > average) return [0, 0];
  const gap = average - fixed;
  const delta = Math.round(gap * 0.2);
  return [gap - delta, gap - delta + Math.max(2 * delta - 1, 0)];
}
const within = (v: number, [lo, hi]: [number, number], hot: number, what: string) =>
  assert.ok(v === hot || (v >= lo && v <= hi), `${what} ${v}: neither hot (${hot}) nor in [${lo}, ${hi}]`);

describe('NexmarkGenerator against Nexmark’s formulas', () => {
  test('a few events worked out by hand', () => {
    // Event 5049: a bid of period 100 (person 1100 registered at event 5000), 504 ms in.
    const bid = gen.event(5049);
    assert.equal(bid.type, 'bid');
    assert.equal(bid.dateTime, BASE + 504);
    // Its hot auction is the first of the newest block of 100 auctions (1300: the newest is
    // 1302), its hot bidder the second of the newest block of 100 persons (1101: the newest is
    // 1100); else an auction among the 100 before the newest or up to 10 after, a person among
    // all 101 so far or up to 10 after.
    assert.ok(bid.bid!.auction === 1300 || (bid.bid!.auction >= 1202 && bid.bid!.auction <= 1312), `auction ${bid.bid!.auction}`);
    assert.ok(bid.bid!.bidder === 1101 || (bid.bid!.bidder >= 1000 && bid.bid!.bidder <= 1110), `bidder ${bid.bid!.bidder}`);
    // Event 5002: the second auction of the same period.
    const auction = gen.event(5002);
    assert.deepEqual([auction.type, auction.auction!.id, auction.dateTime], ['auction', 1301, BASE + 500]);
    assert.ok(auction.auction!.seller === 1100 || (auction.auction!.seller >= 1000 && auction.auction!.seller <= 1110));
    const person = gen.event(12_350);
    assert.deepEqual([person.type, person.person!.id, person.dateTime], ['person', 1247, BASE + 1235]);
  });

  test(`the first ${N.toLocaleString('en-US')} events: kinds, times and ids exactly, drawn values within Nexmark’s ranges`, () => {
    let horizonSum = 0;
    let lengthSum = 0;
    let auctions = 0;
    for (let i = 0; i < N; i++) {
      const e = gen.event(i);
      const at = `event ${i}`;
      const rem = i % TOTAL;
      assert.equal(e.type, rem < 1 ? 'person' : rem < 4 ? 'auction' : 'bid', at);
      assert.equal(e.dateTime, timestampForEvent(i), at);
      if (e.person) {
        const p = e.person;
        assert.equal(p.id, lastPerson(i) + 1000, at);
        const fixed = 8 + p.name.length + p.emailAddress.length + p.creditCard.length + p.city.length + p.state.length;
        within(p.extra.length, extraRange(fixed, 200), -1, `${at}: extra length`);
      } else if (e.auction) {
        const a = e.auction;
        assert.equal(a.id, lastAuction(i) + 1000, at);
        const [lo, hi] = personRange(i);
        within(a.seller, [lo + 1000, hi + 1000], Math.trunc(lastPerson(i) / 100) * 100 + 1000, `${at}: seller`);
        assert.ok(a.category >= 10 && a.category <= 14, `${at}: category ${a.category}`);
        // nextAuctionLengthMs: 1 + nextLong(2 × horizon), the horizon being the time until
        // numInFlightAuctions × totalProportion / auctionProportion = 1666 more events.
        const horizon = timestampForEvent(i + Math.trunc((100 * 50) / 3)) - e.dateTime;
        const length = a.expires - a.dateTime;
        assert.ok(length >= 1 && length <= 2 * horizon, `${at}: lasts ${length} ms, horizon ${horizon}`);
        horizonSum += horizon;
        lengthSum += length;
        auctions++;
        assert.ok(a.reserve >= a.initialBid + 100, at);
        within(a.extra.length, extraRange(8 + a.itemName.length + a.description.length + 40, 500), -1, `${at}: extra length`);
      } else {
        const b = e.bid!;
        const [alo, ahi] = auctionRange(i);
        within(b.auction, [alo + 1000, ahi + 1000], Math.trunc(lastAuction(i) / 100) * 100 + 1000, `${at}: auction`);
        const [plo, phi] = personRange(i);
        // Nexmark's Flink generator adds FIRST_PERSON_ID to the bidder twice; Beam's and ours once.
        within(b.bidder, [plo + 1000, phi + 1000], Math.trunc(lastPerson(i) / 100) * 100 + 1 + 1000, `${at}: bidder`);
        assert.ok(b.price >= 100 && b.price <= 100_000_000, `${at}: price ${b.price}`);
        within(b.extra.length, extraRange(32, 100), -1, `${at}: extra length`);
      }
    }
    // Uniform in [1, 2h]: auctions last h + ½ on average (± 8 ms: about 3 standard errors).
    assert.ok(Math.abs(lengthSum / auctions - (horizonSum / auctions + 0.5)) < 8, `mean length ${lengthSum / auctions}, horizon ${horizonSum / auctions}`);
  });

  test('extra’s characters are nextExactString’s: six per signed int, H … z, a `c` one character in 52', () => {
    // Worked out by hand from Java's int `%` and `/` (both truncate toward zero).
    const ints = [0xffff_ffff, 0x7fff_ffff, 0x8000_0000, 12_345];
    let k = 0;
    assert.equal(exactChars({ nextUint32: () => ints[k++]! }, 24), '`aaaaaxysityIIOYNIvgsaaa');

    let chars = 0;
    let cs = 0;
    let upper = 0;
    for (let i = 0; i < N; i++) {
      const extra = gen.event(i).bid?.extra;
      if (extra === undefined) continue;
      assert.match(extra, /^[H-z]+$/);
      chars += extra.length;
      for (const ch of extra) {
        if (ch === 'c') cs++;
        else if (ch >= 'H' && ch <= 'Z') upper++;
      }
    }
    // Non-negative ints give a … z; negative ones `a` − 25 … `a` (H … Z, [ \ ] ^ _ `, a).
    assert.ok(Math.abs(cs / chars - 1 / 52) < 0.002, `share of c: ${cs / chars}`);
    assert.ok(Math.abs(upper / chars - 19 / 52) < 0.01, `share of H … Z: ${upper / chars}`);
  });
});
