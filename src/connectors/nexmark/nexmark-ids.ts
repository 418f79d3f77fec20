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
export const HOT_SELLER_RATIO = 100;
export const HOT_AUCTION_RATIO = 100;
export const HOT_BIDDER_RATIO = 100;

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
export function nextBase0PersonId(c: NexmarkGeneratorConfig, eventId: number, random: EventRandom): number {
  const numPeople = lastBase0PersonId(c, eventId) + 1;
  const active = Math.min(numPeople, c.numActivePeople);
  return numPeople - active + random.nextInt(active + PERSON_ID_LEAD);
}

/** A random auction among those likely in flight, or up to 10 ids beyond the newest. */
export function nextBase0AuctionId(c: NexmarkGeneratorConfig, eventId: number, random: EventRandom): number {
  const maxAuction = lastBase0AuctionId(c, eventId);
  const minAuction = Math.max(maxAuction - c.numInFlightAuctions, 0);
  return minAuction + random.nextInt(maxAuction - minAuction + 1 + AUCTION_ID_LEAD);
}
