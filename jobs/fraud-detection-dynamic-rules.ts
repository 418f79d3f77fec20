/**
 * Fraud detection with dynamic rules, after Flink's "Advanced Flink Application Patterns": the
 * rules are a stream of their own, broadcast to every subtask and kept in broadcast state, so
 * they change while the job runs. A payer's transactions are kept per key; whenever the event
 * time reaches a transaction, every rule in force at that time sums the payer's amounts within
 * its window and alerts when the sum passes its limit.
 *
 *   npx flink run jobs/fraud-detection-dynamic-rules.ts [--count N] [--rate R]
 *
 * Transactions and rules come from generators/payments.ts (`count` transactions, default
 * 10000, 100 ms of event time apart; `--rate` limits them per second of processing time). A
 * rule version takes effect at its `since` time. Each rule id's versions are kept in broadcast
 * state, and a transaction is evaluated by an event-time timer at its own time: the operator's
 * watermark is the minimum of both inputs', so when the timer fires every rule version up to
 * that time has arrived, and the alerts do not depend on how the two streams interleave.
 */
import {
  type Collector,
  DataGeneratorSource,
  KeyedBroadcastProcessFunction,
  type KeyedBroadcastContext,
  type KeyedBroadcastOnTimerContext,
  type KeyedBroadcastReadOnlyContext,
  type MapState,
  MapStateDescriptor,
  StreamExecutionEnvironment,
  WatermarkStrategy,
} from 'flink-ts';
import { MAX_RULE_WINDOW_MS, RULES, type Rule, type Transaction, alertLine, transaction } from './generators/payments.js';

/** Each rule id's versions, oldest first. */
const rulesState = new MapStateDescriptor<number, Rule[]>('rules');

/** The version of each rule in force at `time` (deleted rules left out), by id. */
function rulesAt(versions: Iterable<readonly [number, Rule[]]>, time: number): Rule[] {
  const inForce: Rule[] = [];
  for (const [, list] of versions) {
    let current: Rule | undefined;
    for (const r of list) if (r.since <= time) current = r;
    if (current?.active) inForce.push(current);
  }
  return inForce.sort((a, b) => a.id - b.id);
}

class DynamicAlertFunction extends KeyedBroadcastProcessFunction<number, Transaction, Rule, string> {
  private window!: MapState<number, number[]>;

  override open(): void {
    this.window = this.getRuntimeContext().getMapState(new MapStateDescriptor<number, number[]>('window'));
  }

  processElement(tx: Transaction, ctx: KeyedBroadcastReadOnlyContext<number>): void {
    const amounts = this.window.get(tx.time) ?? [];
    amounts.push(tx.amount);
    this.window.put(tx.time, amounts);
    ctx.timerService().registerEventTimeTimer(tx.time);
  }

  processBroadcastElement(rule: Rule, ctx: KeyedBroadcastContext<number>): void {
    const state = ctx.getBroadcastState(rulesState);
    const versions = [...(state.get(rule.id) ?? []), rule].sort((a, b) => a.since - b.since);
    state.put(rule.id, versions);
  }

  override onTimer(time: number, ctx: KeyedBroadcastOnTimerContext<number>, out: Collector<string>): void {
    for (const rule of rulesAt(ctx.getBroadcastState(rulesState).immutableEntries(), time)) {
      let sum = 0;
      for (const [t, amounts] of this.window.entries()) if (t > time - rule.windowMs && t <= time) for (const a of amounts) sum += a;
      if (sum > rule.limit) out.collect(alertLine(rule, ctx.getCurrentKey(), time, sum));
    }
    for (const t of [...this.window.keys()]) if (t <= time - MAX_RULE_WINDOW_MS) this.window.remove(t);
  }
}

function arg(name: string): string | undefined {
  const args = process.argv.slice(2);
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

const count = Number(arg('--count') ?? '10000');
const rate = arg('--rate');

const env = StreamExecutionEnvironment.getExecutionEnvironment();

const rules = env
  .fromSource(
    new DataGeneratorSource((i: number) => RULES[i]!, RULES.length),
    WatermarkStrategy.forMonotonousTimestamps<Rule>().withTimestampAssigner((r) => r.since),
    'rules',
  )
  .uid('rules')
  .setParallelism(1);

env
  .fromSource(
    new DataGeneratorSource(transaction, count, rate ? { recordsPerSecond: Number(rate) } : {}),
    WatermarkStrategy.forMonotonousTimestamps<Transaction>().withTimestampAssigner((tx) => tx.time),
    'transactions',
  )
  .uid('transactions')
  .keyBy((tx) => tx.payer)
  .connect(rules.broadcast(rulesState))
  .process(new DynamicAlertFunction())
  .name('dynamic-alerts')
  .uid('dynamic-alerts')
  .print()
  .name('alerts')
  .uid('alerts');

await env.execute('Fraud Detection with Dynamic Rules');
