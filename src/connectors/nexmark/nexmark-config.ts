import { describeArgument } from '../../util/describe-argument.js';

/**
 * The Nexmark generator's parameters, after the Nexmark project's `NexmarkConfiguration` and
 * `GeneratorConfig`: the same names and defaults, resolved once into the figures the generator
 * computes with.
 */

/** Options of the Nexmark generator; every one has Nexmark's default. */
export interface NexmarkGeneratorOptions {
  /**
   * Event time advances at this many events per second (Nexmark's `first-event.rate`, default
   * 10,000): event `i` happens at `baseTime + i * 1e6 / firstEventRate` µs, rounded down to the
   * millisecond. It sets event time only; how fast events are emitted is `recordsPerSecond`.
   */
  readonly firstEventRate?: number;
  /**
   * Event time of event 0, ms since the epoch (default 2015-07-15T00:00:00Z). Fixed, so that
   * every run sees the same events; Nexmark's Flink source uses the job's start time instead.
   */
  readonly baseTime?: number;
  /** Persons per `personProportion + auctionProportion + bidProportion` events (default 1). */
  readonly personProportion?: number;
  /** Auctions per period of events (default 3). */
  readonly auctionProportion?: number;
  /** Bids per period of events (default 46). */
  readonly bidProportion?: number;
  /** Average size of a person in bytes, which its `extra` field pads up to (default 200). */
  readonly avgPersonByteSize?: number;
  /** Average size of an auction in bytes (default 500). */
  readonly avgAuctionByteSize?: number;
  /** Average size of a bid in bytes (default 100). */
  readonly avgBidByteSize?: number;
  /** A bid goes to a hot auction with probability `1 - 1/hotAuctionRatio` (default 2). */
  readonly hotAuctionRatio?: number;
  /** An auction is by a hot seller with probability `1 - 1/hotSellersRatio` (default 4). */
  readonly hotSellersRatio?: number;
  /** A bid is by a hot bidder with probability `1 - 1/hotBiddersRatio` (default 4). */
  readonly hotBiddersRatio?: number;
  /** Auctions in flight on average, which sets auction lengths and bid targets (default 100). */
  readonly numInFlightAuctions?: number;
  /** People considered active as sellers and bidders (default 1000). */
  readonly numActivePeople?: number;
}

/** Nexmark's defaults (`NexmarkConfiguration` and the Flink source's options). */
export const NEXMARK_DEFAULTS: Readonly<Required<NexmarkGeneratorOptions>> = Object.freeze({
  firstEventRate: 10_000,
  baseTime: Date.UTC(2015, 6, 15),
  personProportion: 1,
  auctionProportion: 3,
  bidProportion: 46,
  avgPersonByteSize: 200,
  avgAuctionByteSize: 500,
  avgBidByteSize: 100,
  hotAuctionRatio: 2,
  hotSellersRatio: 4,
  hotBiddersRatio: 4,
  numInFlightAuctions: 100,
  numActivePeople: 1000,
});

/** Options with defaults filled in, and the figures derived from them. */
export interface NexmarkGeneratorConfig extends Readonly<Required<NexmarkGeneratorOptions>> {
  /** `personProportion + auctionProportion + bidProportion`: one period of event kinds. */
  readonly totalProportion: number;
  /** Microseconds of event time between two consecutive events. */
  readonly interEventDelayUs: number;
}

/** Fills in defaults and checks every option; throws a TypeError naming the bad one. */
export function resolveNexmarkConfig(options: NexmarkGeneratorOptions = {}): NexmarkGeneratorConfig {
  const known = new Set(Object.keys(NEXMARK_DEFAULTS));
  for (const key of Object.keys(options)) {
    if (!known.has(key)) throw new TypeError(`Unknown Nexmark generator option '${key}'; known: ${[...known].join(', ')}.`);
  }
  const merged: Record<string, number> = { ...NEXMARK_DEFAULTS };
  for (const [key, value] of Object.entries(options)) if (value !== undefined) merged[key] = value as number;
  const c = merged as Required<NexmarkGeneratorOptions>;

  const positive = (key: keyof NexmarkGeneratorOptions) => {
    const v = c[key];
    if (!(typeof v === 'number' && Number.isFinite(v) && v > 0)) throw new TypeError(`Nexmark option ${key} must be a positive number, got ${describeArgument(v)}.`);
  };
  const count = (key: keyof NexmarkGeneratorOptions, min: number) => {
    const v = c[key];
    if (!(Number.isSafeInteger(v) && v >= min)) throw new TypeError(`Nexmark option ${key} must be an integer >= ${min}, got ${describeArgument(v)}.`);
  };
  positive('firstEventRate');
  if (!Number.isSafeInteger(c.baseTime)) throw new TypeError(`Nexmark option baseTime must be an integer (ms since the epoch), got ${describeArgument(c.baseTime)}.`);
  for (const k of ['personProportion', 'auctionProportion', 'bidProportion', 'hotAuctionRatio', 'hotSellersRatio', 'hotBiddersRatio', 'numInFlightAuctions', 'numActivePeople'] as const) {
    count(k, 1);
  }
  for (const k of ['avgPersonByteSize', 'avgAuctionByteSize', 'avgBidByteSize'] as const) count(k, 0);

  return Object.freeze({
    ...c,
    totalProportion: c.personProportion + c.auctionProportion + c.bidProportion,
    interEventDelayUs: 1_000_000 / c.firstEventRate,
  });
}
