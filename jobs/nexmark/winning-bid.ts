/**
 * q9's order of bids for one auction: the highest price wins; among equal prices the earliest
 * bid (by event time); among bids equal in both, the first to arrive (it is kept: a later one
 * does not beat it). Arrival order and event-time order differ when sources run in parallel.
 */
import type { Bid } from 'flink-ts';

/** Whether bid `b` takes the place of `best`, the auction's winning bid so far (none: it does). */
export function beatsBest(b: Pick<Bid, 'price' | 'dateTime'>, best: Pick<Bid, 'price' | 'dateTime'> | undefined): boolean {
  return best === undefined || b.price > best.price || (b.price === best.price && b.dateTime < best.dateTime);
}
