/**
 * The Nexmark generator: event `i` is a pure function of the configuration and `i`. Its kind
 * follows the proportions (by default, of every 50 events: 1 person, then 3 auctions, then 46
 * bids), its time follows the event-time rate, and its values are drawn from random numbers
 * seeded by `i` — the model of the Nexmark project's generators (ids, hot sellers, bidders and
 * auctions, auction lengths, prices, channels, sizes).
 *
 * @example
 * const gen = new NexmarkGenerator({ firstEventRate: 1000 });
 * const e = gen.event(4); // a bid: e.type === 'bid', e.bid.auction, e.dateTime …
 */
import { EventRandom } from './event-random.js';
import { type NexmarkGeneratorConfig, type NexmarkGeneratorOptions, resolveNexmarkConfig } from './nexmark-config.js';
import type { Auction, Bid, NexmarkEvent, NexmarkEventType, Person } from './nexmark-events.js';
import {
  FIRST_AUCTION_ID,
  FIRST_CATEGORY_ID,
  FIRST_PERSON_ID,
  NUM_CATEGORIES,
  lastBase0AuctionId,
  lastBase0PersonId,
  pickBase0AuctionId,
  pickBase0BidderId,
  pickBase0SellerId,
} from './nexmark-ids.js';
import {
  CHANNELS_NUMBER,
  HOT_CHANNELS,
  LAST_NAMES,
  FIRST_NAMES,
  type NexmarkTables,
  US_CITIES,
  US_STATES,
  nexmarkTables,
  nextExtra,
  nextString,
} from './nexmark-strings.js';

/** Sizes Nexmark counts for the fixed-width fields of each kind (8 bytes per number or time). */
const PERSON_FIXED_BYTES = 8;
const AUCTION_FIXED_BYTES = 8 * 6;
const BID_FIXED_BYTES = 8 * 4;

export class NexmarkGenerator {
  /** The options with Nexmark's defaults filled in. */
  readonly config: NexmarkGeneratorConfig;
  private readonly random = new EventRandom();
  private readonly tables: NexmarkTables = nexmarkTables();
  /** Events until `numInFlightAuctions` more auctions exist: an auction's mean horizon. */
  private readonly auctionHorizonEvents: number;

  constructor(options: NexmarkGeneratorOptions = {}) {
    this.config = resolveNexmarkConfig(options);
    const c = this.config;
    this.auctionHorizonEvents = Math.floor((c.numInFlightAuctions * c.totalProportion) / c.auctionProportion);
  }

  /** Event time of event `index`, in ms: the base time plus `index` inter-event delays. */
  timestampForEvent(index: number): number {
    return this.config.baseTime + Math.floor(Math.floor(index * this.config.interEventDelayUs) / 1000);
  }

  /** The kind of event `index`, without making it. */
  eventType(index: number): NexmarkEventType {
    const c = this.config;
    const rem = index % c.totalProportion;
    return rem < c.personProportion ? 'person' : rem < c.personProportion + c.auctionProportion ? 'auction' : 'bid';
  }

  /** Event `index` (a non-negative safe integer); the same object content every time. */
  event(index: number): NexmarkEvent {
    const c = this.config;
    const dateTime = this.timestampForEvent(index);
    this.random.reset(index);
    const rem = index % c.totalProportion;
    if (rem < c.personProportion) {
      return { type: 'person', person: this.person(index, dateTime), auction: null, bid: null, dateTime };
    }
    if (rem < c.personProportion + c.auctionProportion) {
      return { type: 'auction', person: null, auction: this.auction(index, dateTime), bid: null, dateTime };
    }
    return { type: 'bid', person: null, auction: null, bid: this.bid(index, dateTime), dateTime };
  }

  /** Events `start` (inclusive) to `end` (exclusive), in index order. */
  *events(start: number, end: number): IterableIterator<NexmarkEvent> {
    for (let i = start; i < end; i++) yield this.event(i);
  }

  private person(index: number, dateTime: number): Person {
    const r = this.random;
    const t = this.tables;
    const c = this.config;
    const first = r.nextInt(FIRST_NAMES.length);
    const name = t.fullNames[first * LAST_NAMES.length + r.nextInt(LAST_NAMES.length)]!;
    const emailAddress = `${nextString(r, t, 7)}@${nextString(r, t, 5)}.com`;
    const g = t.cardGroups;
    const creditCard = `${g[r.nextInt(g.length)]} ${g[r.nextInt(g.length)]} ${g[r.nextInt(g.length)]} ${g[r.nextInt(g.length)]}`;
    const city = US_CITIES[r.nextInt(US_CITIES.length)]!;
    const state = US_STATES[r.nextInt(US_STATES.length)]!;
    const size = PERSON_FIXED_BYTES + name.length + emailAddress.length + creditCard.length + city.length + state.length;
    const extra = nextExtra(r, t, size, c.avgPersonByteSize);
    return { id: lastBase0PersonId(c, index) + FIRST_PERSON_ID, name, emailAddress, creditCard, city, state, dateTime, extra };
  }

  private auction(index: number, dateTime: number): Auction {
    const r = this.random;
    const t = this.tables;
    const c = this.config;
    // Most auctions are by a hot seller: the first person of the newest block of 100.
    const seller = pickBase0SellerId(c, index, r) + FIRST_PERSON_ID;
    const category = FIRST_CATEGORY_ID + r.nextInt(NUM_CATEGORIES);
    const initialBid = nextPrice(r);
    // Lengths average the time until numInFlightAuctions more auctions open.
    const horizonMs = this.timestampForEvent(index + this.auctionHorizonEvents) - dateTime;
    const expires = dateTime + 1 + r.nextInt(Math.max(horizonMs * 2, 1));
    const itemName = nextString(r, t, 20);
    const description = nextString(r, t, 100);
    const reserve = initialBid + nextPrice(r);
    const extra = nextExtra(r, t, AUCTION_FIXED_BYTES + itemName.length + description.length, c.avgAuctionByteSize);
    return {
      id: lastBase0AuctionId(c, index) + FIRST_AUCTION_ID,
      itemName,
      description,
      initialBid,
      reserve,
      dateTime,
      expires,
      seller,
      category,
      extra,
    };
  }

  private bid(index: number, dateTime: number): Bid {
    const r = this.random;
    const t = this.tables;
    const c = this.config;
    // Most bids go to a hot auction (the first of the newest block of 100) and come from a hot
    // bidder (the second person of the newest block, so hot bidders are not hot sellers).
    const auction = pickBase0AuctionId(c, index, r) + FIRST_AUCTION_ID;
    const bidder = pickBase0BidderId(c, index, r) + FIRST_PERSON_ID;
    const price = nextPrice(r);
    let channel: string;
    let url: string;
    if (r.nextInt(2) > 0) {
      const i = r.nextInt(HOT_CHANNELS.length);
      channel = HOT_CHANNELS[i]!;
      url = t.hotUrls[i]!;
    } else {
      const i = r.nextInt(CHANNELS_NUMBER);
      channel = t.channelNames[i]!;
      url = t.channelUrls[i]!;
    }
    const extra = nextExtra(r, t, BID_FIXED_BYTES, c.avgBidByteSize);
    return { auction, bidder, price, channel, url, dateTime, extra };
  }
}

/** ln(10^6): 10^(6u) = e^(u·ln 10^6); `Math.exp` costs half of `Math.pow` here. */
const LN_1E6 = 6 * Math.LN10;

/** Nexmark's price: 10^(6u) × 100 for u uniform in [0, 1), so 100 … 100,000,000, log-uniform. */
function nextPrice(r: EventRandom): number {
  return Math.round(Math.exp(r.nextDouble() * LN_1E6) * 100);
}
