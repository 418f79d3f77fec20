/**
 * Running totals over an endless stream of purchases: keyed state keeps each user's total and
 * count, and a processing-time timer reports every user's figures once a second.
 *
 *   npx flink run jobs/running-totals.ts [--rate R] [--count N]
 *
 * Runs until cancelled (Ctrl-C, or `flink cancel <jobId>` for `flink run -d`), at R purchases
 * per second (default 1000). `--count N` makes it end after N purchases.
 */
import {
  type Collector,
  DataGeneratorSource,
  KeyedProcessFunction,
  type KeyedProcessContext,
  StreamExecutionEnvironment,
  type ValueState,
  ValueStateDescriptor,
  WatermarkStrategy,
} from 'flink-ts';

interface Purchase {
  readonly user: string;
  readonly cents: number;
}

interface Totals {
  cents: number;
  count: number;
}

const REPORT_EVERY = 1000;

class RunningTotals extends KeyedProcessFunction<string, Purchase, string> {
  private totals!: ValueState<Totals>;

  override open(): void {
    this.totals = this.getRuntimeContext().getState(new ValueStateDescriptor<Totals>('totals'));
  }

  processElement(p: Purchase, ctx: KeyedProcessContext<string>, _out: Collector<string>): void {
    const t = this.totals.value() ?? { cents: 0, count: 0 };
    this.totals.update({ cents: t.cents + p.cents, count: t.count + 1 });
    const now = ctx.timerService().currentProcessingTime();
    ctx.timerService().registerProcessingTimeTimer(now - (now % REPORT_EVERY) + REPORT_EVERY);
  }

  override onTimer(_ts: number, ctx: KeyedProcessContext<string>, out: Collector<string>): void {
    const t = this.totals.value();
    if (t) out.collect(`${ctx.getCurrentKey()} total=${(t.cents / 100).toFixed(2)} purchases=${t.count}`);
  }
}

function arg(name: string): string | undefined {
  const args = process.argv.slice(2);
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

const rate = Number(arg('--rate') ?? 1000);
const count = arg('--count') === undefined ? Infinity : Number(arg('--count'));

const env = StreamExecutionEnvironment.getExecutionEnvironment();

env
  .fromSource(
    new DataGeneratorSource((i) => ({ user: `user-${i % 10}`, cents: 100 + ((i * 7919) % 10_000) }), count, {
      recordsPerSecond: rate,
    }),
    WatermarkStrategy.noWatermarks(),
    'purchases',
  ).uid('purchases')
  .keyBy((p) => p.user)
  .process(new RunningTotals()).name('running-totals').uid('running-totals')
  .print().name('report').uid('report');

await env.execute('Running Totals');
