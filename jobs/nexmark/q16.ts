/**
 * Nexmark q16, channel statistics report: per channel and day (UTC), the latest minute
 * (`HH:mm`) and q15's counts. Rows `{channel, day, minute, total_bids, …}`, an upsert stream
 * keyed by channel and day (a row after each bid): the last row per key is the result.
 *
 *   npx flink run jobs/nexmark/q16.ts --events 10000000 [--out DIR | --print]
 */
import { type Bid, type ValueState, ValueStateDescriptor } from 'flink-ts';
import { type BidStatistics, BidStatisticsFunction } from './bid-statistics.js';
import { bidsOf, nexmarkJob, sinkRows } from './common.js';

type Q16Row = { channel: string; day: string; minute: string } & BidStatistics;

class ChannelStatistics extends BidStatisticsFunction<string, Q16Row> {
  private minute!: ValueState<string>;

  override open(): void {
    super.open();
    this.minute = this.getRuntimeContext().getState(new ValueStateDescriptor<string>('latest-minute', ''));
  }

  protected row(b: Bid, stats: BidStatistics): Q16Row {
    const iso = new Date(b.dateTime).toISOString();
    const minute = iso.slice(11, 16);
    const latest = this.minute.value()! > minute ? this.minute.value()! : minute;
    this.minute.update(latest);
    return { channel: b.channel, day: iso.slice(0, 10), minute: latest, ...stats };
  }
}

const { env, args, events } = nexmarkJob();

const rows = bidsOf(events)
  .keyBy((b) => `${b.channel} ${new Date(b.dateTime).toISOString().slice(0, 10)}`)
  .process(new ChannelStatistics())
  .name('statistics per channel and day')
  .uid('q16-statistics');
sinkRows(rows, args);

await env.execute('Nexmark q16');
