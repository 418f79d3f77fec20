/**
 * q21, add channel id: bids through a known channel get its number — `apple` 0, `google` 1,
 * `facebook` 2, `baidu` 3 (compared in lower case) — and other bids the `channel_id` parameter
 * of their URL; bids with neither are dropped. Rows `{auction, bidder, price, channel,
 * channel_id}`, in input order.
 */
import type { NexmarkEvent } from '../../../src/connectors/nexmark/index.js';
import { regexpExtract } from './sql-functions.js';

export interface Q21Row {
  readonly auction: number;
  readonly bidder: number;
  readonly price: number;
  readonly channel: string;
  readonly channel_id: string;
}

const KNOWN_CHANNELS: ReadonlyMap<string, string> = new Map([
  ['apple', '0'],
  ['google', '1'],
  ['facebook', '2'],
  ['baidu', '3'],
]);
const CHANNEL_ID = /(&|^)channel_id=([^&]*)/;

export function q21(events: Iterable<NexmarkEvent>): Q21Row[] {
  const rows: Q21Row[] = [];
  for (const e of events) {
    if (e.bid === null) continue;
    const b = e.bid;
    const channelId = KNOWN_CHANNELS.get(b.channel.toLowerCase()) ?? regexpExtract(b.url, CHANNEL_ID, 2);
    if (channelId !== null) rows.push({ auction: b.auction, bidder: b.bidder, price: b.price, channel: b.channel, channel_id: channelId });
  }
  return rows;
}
