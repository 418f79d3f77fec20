/**
 * Fraud detection, after Flink's tutorial: a small transaction (< 1.00) followed by a large one
 * (> 500.00) on the same account within a minute raises an alert.
 *
 *   npx flink run jobs/fraud-detection.ts [--count N] [--rate R]
 *
 * Transactions come from a deterministic generator (N of them, default 100000; `--count inf`
 * runs until cancelled; `--rate` limits transactions per second). Alerts are printed.
 */
import {
  type Collector,
  DataGeneratorSource,
  KeyedProcessFunction,
  type KeyedProcessContext,
  type OnTimerContext,
  StreamExecutionEnvironment,
  type ValueState,
  ValueStateDescriptor,
  WatermarkStrategy,
} from 'flink-ts';

export interface Transaction {
  readonly accountId: number;
  readonly amount: number;
  readonly index: number;
}

const SMALL_AMOUNT = 1.0;
const LARGE_AMOUNT = 500.0;
const ONE_MINUTE = 60_000;

/** A deterministic stream of transactions: mostly ordinary amounts, some tiny and some huge. */
export function transaction(index: number): Transaction {
  // A murmur-style mix of the index: cheap, deterministic, and without patterns per account.
  let x = Math.imul(index ^ 0x9e3779b9, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x = (x ^ (x >>> 16)) >>> 0;
  const accountId = x % 50;
  const bucket = (x >>> 8) % 100;
  const amount = bucket < 5 ? 0.5 : bucket < 10 ? 750 : 10 + ((x >>> 4) % 200);
  return { accountId, amount, index };
}

/** Flags a small transaction; a large one on the same account within a minute is an alert. */
export class FraudDetector extends KeyedProcessFunction<number, Transaction, string> {
  private flag!: ValueState<boolean>;
  private timer!: ValueState<number>;

  override open(): void {
    this.flag = this.getRuntimeContext().getState(new ValueStateDescriptor<boolean>('flag'));
    this.timer = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('timer-state'));
  }

  processElement(tx: Transaction, ctx: KeyedProcessContext<number>, out: Collector<string>): void {
    if (this.flag.value()) {
      if (tx.amount > LARGE_AMOUNT) out.collect(`Alert{account=${tx.accountId}, transaction=${tx.index}}`);
      this.cleanUp(ctx);
    }
    if (tx.amount < SMALL_AMOUNT) {
      this.flag.update(true);
      const t = ctx.timerService().currentProcessingTime() + ONE_MINUTE;
      ctx.timerService().registerProcessingTimeTimer(t);
      this.timer.update(t);
    }
  }

  override onTimer(_ts: number, _ctx: OnTimerContext<number>, _out: Collector<string>): void {
    this.timer.clear();
    this.flag.clear();
  }

  private cleanUp(ctx: KeyedProcessContext<number>): void {
    const t = this.timer.value();
    if (t !== undefined) ctx.timerService().deleteProcessingTimeTimer(t);
    this.timer.clear();
    this.flag.clear();
  }
}

function arg(name: string): string | undefined {
  const args = process.argv.slice(2);
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

const countArg = arg('--count') ?? '100000';
const count = countArg === 'inf' ? Infinity : Number(countArg);
const rate = arg('--rate');

const env = StreamExecutionEnvironment.getExecutionEnvironment();

env
  .fromSource(
    new DataGeneratorSource(transaction, count, rate ? { recordsPerSecond: Number(rate) } : {}),
    WatermarkStrategy.noWatermarks(),
    'transactions',
  ).uid('transactions').setParallelism(1)
  .keyBy((tx) => tx.accountId)
  .process(new FraudDetector()).name('fraud-detector').uid('fraud-detector')
  .print().name('alerts').uid('alerts');

await env.execute('Fraud Detection');
