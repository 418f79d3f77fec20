/**
 * Nexmark's event model: an online auction where persons register, open auctions and bid.
 * Field names and meanings are the Nexmark project's (`Person`, `Auction`, `Bid`); times are
 * milliseconds since the epoch.
 */

/** A person joining the auction site. */
export interface Person {
  /** Primary key, from 1000. */
  readonly id: number;
  /** `First Last`. */
  readonly name: string;
  readonly emailAddress: string;
  /** Four groups of four digits, separated by spaces. */
  readonly creditCard: string;
  readonly city: string;
  /** A US state code. */
  readonly state: string;
  /** Event time (ms). */
  readonly dateTime: number;
  /** Padding up to Nexmark's average person size. */
  readonly extra: string;
}

/** An item put up for auction. */
export interface Auction {
  /** Primary key, from 1000. */
  readonly id: number;
  readonly itemName: string;
  readonly description: string;
  readonly initialBid: number;
  /** At least `initialBid`. */
  readonly reserve: number;
  /** Event time (ms): when the auction opens. */
  readonly dateTime: number;
  /** When the auction closes (ms), after `dateTime`. */
  readonly expires: number;
  /** The selling person's id. */
  readonly seller: number;
  /** 10 … 14. */
  readonly category: number;
  readonly extra: string;
}

/** A bid on an auction. */
export interface Bid {
  /** The auction's id. */
  readonly auction: number;
  /** The bidding person's id. */
  readonly bidder: number;
  readonly price: number;
  /** Where the bid came from: `Google`, `Facebook`, `Baidu`, `Apple` or `channel-<n>`. */
  readonly channel: string;
  readonly url: string;
  /** Event time (ms). */
  readonly dateTime: number;
  readonly extra: string;
}

/** The kind of a Nexmark event. */
export type NexmarkEventType = 'person' | 'auction' | 'bid';

/**
 * One Nexmark event: exactly one of `person`, `auction`, `bid` is set, as `type` says (the
 * others are null, so every event has the same shape). `dateTime` is the event time, the one of
 * the person, auction or bid; use it as the record timestamp:
 *
 * @example
 * events.filter((e) => e.type === 'bid').map((e) => e.bid!.price)
 */
export type NexmarkEvent =
  | { readonly type: 'person'; readonly person: Person; readonly auction: null; readonly bid: null; readonly dateTime: number }
  | { readonly type: 'auction'; readonly person: null; readonly auction: Auction; readonly bid: null; readonly dateTime: number }
  | { readonly type: 'bid'; readonly person: null; readonly auction: null; readonly bid: Bid; readonly dateTime: number };
