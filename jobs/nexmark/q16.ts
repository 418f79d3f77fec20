/**
 * Nexmark q16, channel statistics report: per channel and day (UTC), the latest minute
 * (`HH:mm`) and q15's counts. Rows `{channel, day, minute, total_bids, …}`, an upsert stream
 * keyed by channel and day (a row after each bid): the last row per key is the result.
 *
 *   npx flink run jobs/nexmark/q16.ts --events 10000000 [--out DIR | --print]
 */
import { type Bid, type ValueState, ValueStateDescriptor } from 'flink-ts';
import { type BidCounters, type BidStatistics, BidStatisticsFunction, withCounters } from './bid-statistics.js';
import { bidsOf, dayNumber, nexmarkJob, sinkRows, utcDay, utcHourMinute } from './common.js';

class ChannelStatistics extends BidStatisticsFunction<string, { channel: string; day: string; minute: string } & BidStatistics> {
  private minute!: ValueState<string>;

  override open(): void {
    super.open();
    this.minute = this.getRuntimeContext().getState(new ValueStateDescriptor<string>('latest-minute', ''));
  }

  protected row(b: Bid, _key: string, c: BidCounters) {
    const minute = utcHourMinute(b.dateTime);
    let latest = this.minute.value()!;
    if (minute > latest) this.minute.update((latest = minute));
    return withCounters({ channel: b.channel, day: utcDay(b.dateTime), minute: latest }, c);
  }
}

const { env, args, events } = nexmarkJob();

const rows = bidsOf(events)
  .keyBy((b) => `${b.channel} ${dayNumber(b.dateTime)}`)
  .process(new ChannelStatistics())
  .name('statistics per channel and day')
  .uid('q16-statistics');
sinkRows(rows, args);

await env.execute('Nexmark q16');
