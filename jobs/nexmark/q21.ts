/**
 * Nexmark q21, add channel id: bids through Apple, Google, Facebook or Baidu (in any case) get
 * the channel's number 0–3, other bids the `channel_id` parameter of their URL; bids with
 * neither are dropped. Rows `{auction, bidder, price, channel, channel_id}`.
 *
 *   npx flink run jobs/nexmark/q21.ts --events 10000000 [--out DIR | --print]
 */
import type { Bid, Collector } from 'flink-ts';
import { bidsOf, nexmarkJob, sinkRows } from './common.js';

interface Q21Row {
  auction: number;
  bidder: number;
  price: number;
  channel: string;
  channel_id: string;
}

const KNOWN_CHANNELS = new Map([
  ['apple', '0'],
  ['google', '1'],
  ['facebook', '2'],
  ['baidu', '3'],
]);
const CHANNEL_ID = /(&|^)channel_id=([^&]*)/;

const { env, args, events } = nexmarkJob();

const rows = bidsOf(events)
  .flatMap((b: Bid, out: Collector<Q21Row>) => {
    const channelId = KNOWN_CHANNELS.get(b.channel.toLowerCase()) ?? CHANNEL_ID.exec(b.url)?.[2];
    if (channelId !== undefined) out.collect({ auction: b.auction, bidder: b.bidder, price: b.price, channel: b.channel, channel_id: channelId });
  })
  .name('channel id')
  .uid('q21-channel-id');
sinkRows(rows, args);

await env.execute('Nexmark q21');
