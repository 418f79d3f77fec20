/**
 * Nexmark's id arithmetic: which person and auction ids exist by event `eventId`, and how a new
 * auction or bid picks a seller, bidder or auction among them. Ids are "base 0" here; events
 * carry them plus Nexmark's first ids (1000), so small runs still find matches.
 */
import type { EventRandom } from './event-random.js';
import type { NexmarkGeneratorConfig } from './nexmark-config.js';

export const FIRST_PERSON_ID = 1000;
export const FIRST_AUCTION_ID = 1000;
export const FIRST_CATEGORY_ID = 10;
/** Categories 10 … 14: few, so queries by category find results in small runs. */
export const NUM_CATEGORIES = 5;
/** A random person or auction may be up to this many ids ahead of the newest one. */
const PERSON_ID_LEAD = 10;
const AUCTION_ID_LEAD = 10;
/** Hot ones are the first (sellers, auctions) or second (bidders) id of each block of 100. */
const HOT_SELLER_RATIO = 100;
const HOT_AUCTION_RATIO = 100;
const HOT_BIDDER_RATIO = 100;

/** The newest person id at event `eventId` (the event's own id if it is a person). */
export function lastBase0PersonId(c: NexmarkGeneratorConfig, eventId: number): number {
  const epoch = Math.floor(eventId / c.totalProportion);
  let offset = eventId % c.totalProportion;
  if (offset >= c.personProportion) offset = c.personProportion - 1;
  return epoch * c.personProportion + offset;
}

/** The newest auction id at event `eventId` (the event's own id if it is an auction). */
export function lastBase0AuctionId(c: NexmarkGeneratorConfig, eventId: number): number {
  let epoch = Math.floor(eventId / c.totalProportion);
  let offset = eventId % c.totalProportion;
  if (offset < c.personProportion) {
    // A person: the last auction of the previous period.
    epoch--;
    offset = c.auctionProportion - 1;
  } else if (offset >= c.personProportion + c.auctionProportion) {
    // A bid: the last auction of this period.
    offset = c.auctionProportion - 1;
  } else {
    offset -= c.personProportion;
  }
  return epoch * c.auctionProportion + offset;
}

/**
 * A random person among the `numActivePeople` newest, or up to 10 ids beyond the newest (so an
 * auction or bid may come before its person, as if events were slightly reordered).
 */
function nextBase0PersonId(c: NexmarkGeneratorConfig, eventId: number, random: EventRandom): number {
  const numPeople = lastBase0PersonId(c, eventId) + 1;
  const active = Math.min(numPeople, c.numActivePeople);
  return numPeople - active + random.nextInt(active + PERSON_ID_LEAD);
}

/** A random auction among those likely in flight, or up to 10 ids beyond the newest. */
function nextBase0AuctionId(c: NexmarkGeneratorConfig, eventId: number, random: EventRandom): number {
  const maxAuction = lastBase0AuctionId(c, eventId);
  const minAuction = Math.max(maxAuction - c.numInFlightAuctions, 0);
  return minAuction + random.nextInt(maxAuction - minAuction + 1 + AUCTION_ID_LEAD);
}

/** The `nth` id (from 0) of the newest block of `blockSize` ids up to `last`: a hot one. */
function hotBase0Id(last: number, blockSize: number, nth: number): number {
  return Math.floor(last / blockSize) * blockSize + nth;
}

/** The seller of a new auction: mostly (`hotSellersRatio`) a hot seller, else a random person. */
export function pickBase0SellerId(c: NexmarkGeneratorConfig, eventId: number, random: EventRandom): number {
  return random.nextInt(c.hotSellersRatio) > 0
    ? hotBase0Id(lastBase0PersonId(c, eventId), HOT_SELLER_RATIO, 0)
    : nextBase0PersonId(c, eventId, random);
}

/** The auction of a new bid: mostly (`hotAuctionRatio`) a hot auction, else a random one. */
export function pickBase0AuctionId(c: NexmarkGeneratorConfig, eventId: number, random: EventRandom): number {
  return random.nextInt(c.hotAuctionRatio) > 0
    ? hotBase0Id(lastBase0AuctionId(c, eventId), HOT_AUCTION_RATIO, 0)
    : nextBase0AuctionId(c, eventId, random);
}

/** The bidder of a new bid: mostly (`hotBiddersRatio`) a hot bidder (the second of a block, so never a hot seller), else a random person. */
export function pickBase0BidderId(c: NexmarkGeneratorConfig, eventId: number, random: EventRandom): number {
  return random.nextInt(c.hotBiddersRatio) > 0
    ? hotBase0Id(lastBase0PersonId(c, eventId), HOT_BIDDER_RATIO, 1)
    : nextBase0PersonId(c, eventId, random);
}
