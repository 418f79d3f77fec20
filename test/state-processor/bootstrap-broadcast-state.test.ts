/**
 * SavepointWriter bootstrapping broadcast state with a BroadcastStateBootstrapFunction, against
 * Flink's (BroadcastStateBootstrapOperator, StateBootstrapTransformationTest
 * #testBroadcastStateTransformationParallelism, SavepointWriterITCase's currency rates): written
 * by one subtask whatever the job's parallelism, restored into broadcast process functions of a
 * real job (assignState + JobExecution, as `flink run -s` does) whose every subtask sees the
 * written entries, read back with SavepointReader, and changed with fromExistingSavepoint.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { readSnapshotMetadata } from '../../src/checkpoint/index.js';
import {
  AvroSerializer,
  type BroadcastReadOnlyContext,
  BroadcastProcessFunction,
  type BroadcastStateBootstrapContext,
  BroadcastStateBootstrapFunction,
  type CheckpointedFunction,
  type Collector,
  type DataStream,
  type FunctionInitializationContext,
  KeyedBroadcastProcessFunction,
  type KeyedBroadcastReadOnlyContext,
  type KeyedStateBootstrapContext,
  KeyedStateBootstrapFunction,
  type ListState,
  ListStateDescriptor,
  MapStateDescriptor,
  OperatorTransformation,
  RichFlatMapFunction,
  SavepointReader,
  SavepointWriter,
  StateBootstrapFunction,
  type StreamExecutionEnvironment,
  type ValueState,
  ValueStateDescriptor,
} from '../../src/index.js';
import { runJob } from '../helpers/run-job.js';
import { tempRoot as tempRootIn } from '../helpers/temp-root.js';
import { restoreAndRun } from './restore-and-run.js';

const tempRoot = (): string => tempRootIn('sp-broadcast-');

type Rate = { currency: string; rate: number };
const RATES: Rate[] = [
  { currency: 'USD', rate: 1.0 },
  { currency: 'EUR', rate: 1.3 },
  { currency: 'GBP', rate: 1.5 },
];
const RATE = new MapStateDescriptor<string, number>('currency-rate');
const rateEntries = JSON.stringify(RATES.map((r) => [r.currency, r.rate]).sort());

/** Flink's CurrencyBootstrapFunction. */
class WriteRates extends BroadcastStateBootstrapFunction<Rate> {
  processElement(r: Rate, ctx: BroadcastStateBootstrapContext): void {
    ctx.getBroadcastState(RATE).put(r.currency, r.rate);
  }
}

/** What every subtask of a broadcast function sees: `<subtask> <its entries as sorted JSON>`. */
function view(fn: { getRuntimeContext(): { getIndexOfThisSubtask(): number } }, ctx: BroadcastReadOnlyContext): string {
  return `${fn.getRuntimeContext().getIndexOfThisSubtask()} ${JSON.stringify([...ctx.getBroadcastState(RATE).immutableEntries()].sort())}`;
}

/** Flink's CurrencyValidationFunction, reporting instead of asserting. */
class ReportRates extends BroadcastProcessFunction<number, Rate, string> {
  processElement(_: number, ctx: BroadcastReadOnlyContext, out: Collector<string>): void {
    out.collect(view(this, ctx));
  }
  processBroadcastElement(): void {}
}

class KeyedReportRates extends KeyedBroadcastProcessFunction<number, number, Rate, string> {
  processElement(_: number, ctx: KeyedBroadcastReadOnlyContext<number>, out: Collector<string>): void {
    out.collect(`keyed ${view(this, ctx)}`);
  }
  processBroadcastElement(): void {}
}

/** Writes uid 'currency' from {@link RATES} into `sp` at job parallelism `parallelism`. */
async function writeRates(sp: string, parallelism: number): Promise<void> {
  await runJob((env) => {
    // The input at another parallelism than the bootstrap's 1: its records are all rebalanced to the one subtask.
    const rates = env.fromData(RATES).rebalance().map((r) => r).setParallelism(3);
    SavepointWriter.newSavepoint(env).withOperator('currency', OperatorTransformation.bootstrapWith(rates).transform(new WriteRates())).write(sp);
  }, { parallelism });
}

/** A job with broadcast function uid 'currency' (non-keyed, or keyed), events on every subtask, no broadcast input. */
function ratesJob(keyed: boolean) {
  return (env: StreamExecutionEnvironment, out: (l: string) => void): void => {
    const events = env.fromData(Array.from({ length: 12 }, (_, i) => i)).rebalance();
    const rules = env.fromData<Rate>([]).broadcast(RATE);
    if (keyed) events.keyBy((i) => i % 6).connect(rules).process(new KeyedReportRates()).uid('currency').addSink(out);
    else events.connect(rules).process(new ReportRates()).uid('currency').addSink(out);
  };
}

describe('broadcast state written by a BroadcastStateBootstrapFunction', () => {
  test("is written by one subtask at any job parallelism, and every subtask of a restored broadcast function sees it, at 1..4, keyed or not", async () => {
    const sp = join(tempRoot(), 'sp');
    await writeRates(sp, 4);
    const op = readSnapshotMetadata(sp).operators.find((o) => o.uid === 'currency')!;
    assert.deepEqual([op.parallelism, op.subtasks.length, op.maxParallelism, op.subtasks[0]!.keyGroupRange], [1, 1, 128, null]);
    for (const p of [1, 2, 4]) {
      for (const keyed of [false, true]) {
        const seen = [...new Set(await restoreAndRun(sp, p, ratesJob(keyed)))];
        const want = Array.from({ length: p }, (_, i) => `${keyed ? 'keyed ' : ''}${i} ${rateEntries}`).sort();
        assert.deepEqual(seen, want, `${keyed ? 'keyed' : 'non-keyed'} at ${p}`);
      }
    }
  });

  test('reads back with readBroadcastState (a state with Avro key and value serializers read as written); two states of one function are written apart', async () => {
    const sp = join(tempRoot(), 'sp');
    const inverse = new MapStateDescriptor<number, string>('inverse').setKeySerializer(AvroSerializer.of('double')).setSerializer(AvroSerializer.of('string'));
    class WriteBoth extends WriteRates {
      override processElement(r: Rate, ctx: BroadcastStateBootstrapContext): void {
        super.processElement(r, ctx);
        ctx.getBroadcastState(inverse).put(r.rate, r.currency);
      }
    }
    await runJob((env) => {
      SavepointWriter.newSavepoint(env).withOperator('currency', OperatorTransformation.bootstrapWith(env.fromData(RATES)).transform(new WriteBoth())).write(sp);
    }, { parallelism: 2 });
    const read = async <K, V>(name: string): Promise<Array<[K, V]>> => {
      const out: Array<[K, V]> = [];
      await runJob((env) => void SavepointReader.read(env, sp).readBroadcastState<K, V>('currency', name).addSink((v: [K, V]) => void out.push(v)));
      return out.sort();
    };
    assert.deepEqual(JSON.stringify(await read<string, number>('currency-rate')), rateEntries);
    assert.deepEqual(await read<number, string>('inverse'), RATES.map((r): [number, string] => [r.rate, r.currency]).sort());
  });
});

/**
 * A BroadcastStateBootstrapFunction that is also a CheckpointedFunction (Flink's
 * BroadcastStateBootstrapOperator is an AbstractUdfStreamOperator: its function's list states
 * are snapshotted with the broadcast state): list state 'count' written in snapshotState, union
 * list state 'currencies' as the records come, besides the broadcast rates.
 */
class WriteRatesAndLists extends BroadcastStateBootstrapFunction<Rate> implements CheckpointedFunction {
  private seen = 0;
  private count!: ListState<number>;
  private currencies!: ListState<string>;
  initializeState(ctx: FunctionInitializationContext): void {
    this.count = ctx.getOperatorStateStore().getListState(new ListStateDescriptor<number>('count'));
    this.currencies = ctx.getOperatorStateStore().getUnionListState(new ListStateDescriptor<string>('currencies'));
  }
  processElement(r: Rate, ctx: BroadcastStateBootstrapContext): void {
    ctx.getBroadcastState(RATE).put(r.currency, r.rate);
    this.currencies.add(r.currency);
    this.seen++;
  }
  snapshotState(): void {
    this.count.update([this.seen]);
  }
}

/** The job's broadcast function uid 'currency', a CheckpointedFunction too: what each subtask restored, on each record. */
class ReportRatesAndLists extends BroadcastProcessFunction<number, Rate, string> implements CheckpointedFunction {
  private count!: ListState<number>;
  private currencies!: ListState<string>;
  initializeState(ctx: FunctionInitializationContext): void {
    this.count = ctx.getOperatorStateStore().getListState(new ListStateDescriptor<number>('count'));
    this.currencies = ctx.getOperatorStateStore().getUnionListState(new ListStateDescriptor<string>('currencies'));
  }
  snapshotState(): void {}
  processElement(_: number, ctx: BroadcastReadOnlyContext, out: Collector<string>): void {
    out.collect(`${view(this, ctx)} count=${JSON.stringify([...this.count.get()])} currencies=${JSON.stringify([...this.currencies.get()].sort())}`);
  }
  processBroadcastElement(): void {}
}

describe('a BroadcastStateBootstrapFunction that is also a CheckpointedFunction', () => {
  test('writes its list and union list states with the broadcast state; they read back, and restore as list state is restored', async () => {
    const sp = join(tempRoot(), 'sp');
    await runJob((env) => {
      SavepointWriter.newSavepoint(env).withOperator('currency', OperatorTransformation.bootstrapWith(env.fromData(RATES)).transform(new WriteRatesAndLists())).write(sp);
    }, { parallelism: 3 });
    const op = readSnapshotMetadata(sp).operators.find((o) => o.uid === 'currency')!;
    assert.deepEqual([op.parallelism, op.subtasks.length], [1, 1]);

    const read = async <T>(how: (r: SavepointReader) => DataStream<T>): Promise<T[]> => {
      const out: T[] = [];
      await runJob((env) => void how(SavepointReader.read(env, sp)).addSink((v: T) => void out.push(v)));
      return out.sort();
    };
    assert.equal(JSON.stringify(await read((r) => r.readBroadcastState<string, number>('currency', 'currency-rate'))), rateEntries);
    assert.deepEqual(await read((r) => r.readListState<number>('currency', 'count')), [3]);
    assert.deepEqual(await read((r) => r.readUnionState<string>('currency', 'currencies')), ['EUR', 'GBP', 'USD']);

    const lines = [
      ...new Set(
        await restoreAndRun(sp, 2, (env, out) => {
          const events = env.fromData(Array.from({ length: 12 }, (_, i) => i)).rebalance();
          events.connect(env.fromData<Rate>([]).broadcast(RATE)).process(new ReportRatesAndLists()).uid('currency').addSink(out);
        }),
      ),
    ];
    // Broadcast and union state on every subtask; the one list element on exactly one of them.
    const currencies = JSON.stringify(['EUR', 'GBP', 'USD']);
    const counts = lines.map((l) => /count=(\S+)/.exec(l)![1]).sort();
    assert.deepEqual(counts, ['[3]', '[]'], lines.join('\n'));
    assert.deepEqual(
      lines.map((l) => l.replace(/ count=\S+/, '')),
      [0, 1].map((i) => `${i} ${rateEntries} currencies=${currencies}`),
    );
  });
});

type Account = { id: number; amount: number };
const ACCOUNTS: Account[] = [1, 2, 3].map((id) => ({ id, amount: 100 }));

/** Flink's AccountBootstrapper. */
class WriteAccounts extends KeyedStateBootstrapFunction<number, Account> {
  private total!: ValueState<number>;
  override open(): void {
    this.total = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('total'));
  }
  processElement(a: Account, _: KeyedStateBootstrapContext<number>): void {
    this.total.update(a.amount);
  }
}

/** Flink's UpdateAndGetAccount. */
class UpdateAccounts extends RichFlatMapFunction<Account, string> {
  private total!: ValueState<number>;
  override open(): void {
    this.total = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('total'));
  }
  flatMap(a: Account, out: Collector<string>): void {
    const amount = a.amount + (this.total.value() ?? 0);
    this.total.update(amount);
    out.collect(`account ${a.id} ${amount}`);
  }
}

/** Flink's ModifyProcessFunction: union list state 'numbers', filled in snapshotState. */
class WriteNumbers extends StateBootstrapFunction<number> {
  private buffer: number[] = [];
  private state!: ListState<number>;
  initializeState(ctx: FunctionInitializationContext): void {
    this.state = ctx.getOperatorStateStore().getUnionListState(new ListStateDescriptor<number>('numbers'));
  }
  processElement(n: number): void {
    this.buffer.push(n);
  }
  snapshotState(): void {
    this.state.update(this.buffer);
  }
}

/** Flink's StatefulOperator: what union state 'numbers' restored, once per subtask. */
class ReportNumbers extends RichFlatMapFunction<string, string> {
  private state!: ListState<number>;
  private reported = false;
  initializeState(ctx: FunctionInitializationContext): void {
    this.state = ctx.getOperatorStateStore().getUnionListState(new ListStateDescriptor<number>('numbers'));
  }
  snapshotState(): void {}
  flatMap(_: string, out: Collector<string>): void {
    if (!this.reported) out.collect(`numbers ${JSON.stringify([...this.state.get()].sort())}`);
    this.reported = true;
  }
}

describe("SavepointWriterITCase's bootstrap and modification", () => {
  test('keyed accounts and broadcast rates, validated by a job; then the rates removed and union state added with fromExistingSavepoint, validated again', async () => {
    const root = tempRoot();
    const sp = join(root, 'sp');
    await runJob((env) => {
      const accounts = OperatorTransformation.bootstrapWith(env.fromData(ACCOUNTS)).keyBy((a) => a.id).transform(new WriteAccounts());
      const rates = OperatorTransformation.bootstrapWith(env.fromData(RATES)).transform(new WriteRates());
      SavepointWriter.newSavepoint(env, 128).withOperator('accounts', accounts).withOperator('currency', rates).write(sp);
    }, { parallelism: 4 });
    const accountsJob = (env: StreamExecutionEnvironment, out: (l: string) => void) => env.fromData(ACCOUNTS).keyBy((a) => a.id).flatMap(new UpdateAccounts()).uid('accounts');
    const validated = await restoreAndRun(sp, 2, (env, out) => {
      accountsJob(env, out).addSink(out);
      ratesJob(false)(env, out);
    });
    assert.deepEqual(validated.filter((l) => l.startsWith('account')), ['account 1 200', 'account 2 200', 'account 3 200']);
    assert.deepEqual([...new Set(validated.filter((l) => !l.startsWith('account')))], [`0 ${rateEntries}`, `1 ${rateEntries}`]);

    const modified = join(root, 'modified');
    await runJob((env) => {
      const numbers = OperatorTransformation.bootstrapWith(env.fromData([1, 2, 3])).transform(new WriteNumbers());
      SavepointWriter.fromExistingSavepoint(env, sp).removeOperator('currency').withOperator('numbers', numbers).write(modified);
    }, { parallelism: 2 });
    assert.deepEqual(readSnapshotMetadata(modified).operators.map((o) => [o.uid, o.maxParallelism]).sort(), [['accounts', 128], ['numbers', 128]]);
    // No -n: the rates are gone, or this restore would refuse the state of an operator the job lacks.
    const lines = await restoreAndRun(modified, 3, (env, out) => {
      const updated = accountsJob(env, out);
      updated.addSink(out);
      updated.rebalance().flatMap(new ReportNumbers()).uid('numbers').addSink(out);
    });
    assert.deepEqual(lines.filter((l) => l.startsWith('account')), ['account 1 200', 'account 2 200', 'account 3 200']);
    const numbers = lines.filter((l) => l.startsWith('numbers'));
    assert.ok(numbers.length >= 1);
    for (const l of numbers) assert.equal(l, 'numbers [1,2,3]', 'each subtask got the union of both writing subtasks');
  });

  test("new operators of fromExistingSavepoint get the existing savepoint's max parallelism; one it has is refused until removed", async () => {
    const root = tempRoot();
    const sp = join(root, 'sp');
    await runJob((env) => {
      SavepointWriter.newSavepoint(env, 64).withOperator('currency', OperatorTransformation.bootstrapWith(env.fromData(RATES)).transform(new WriteRates())).write(sp);
    });
    const added = join(root, 'added');
    await runJob((env) => {
      const writer = SavepointWriter.fromExistingSavepoint(env, sp);
      const rates = () => OperatorTransformation.bootstrapWith(env.fromData(RATES)).transform(new WriteRates());
      assert.throws(() => writer.withOperator('currency', rates()), /already has state of operator 'currency': removeOperator\('currency'\) first to replace it\./);
      writer.withOperator('numbers', OperatorTransformation.bootstrapWith(env.fromData([1])).transform(new WriteNumbers())).write(added);
    }, { parallelism: 3 });
    assert.deepEqual(readSnapshotMetadata(added).operators.map((o) => [o.uid, o.parallelism, o.maxParallelism]).sort(), [['currency', 1, 64], ['numbers', 3, 64]]);
  });
});

describe('refusals, one line each', () => {
  test('keyed, a second transformation for the uid, keyBy before a broadcast bootstrap', async () => {
    await runJob((env) => {
      const input = OperatorTransformation.bootstrapWith(env.fromData(RATES));
      assert.throws(() => input.keyBy((r) => r.currency).transform(new WriteRates() as never), /A BroadcastStateBootstrapFunction writes non-keyed state: bootstrapWith\(stream\)\.transform\(fn\), without keyBy\./);
      const writer = SavepointWriter.newSavepoint(env).withOperator('currency', input.transform(new WriteRates()));
      assert.throws(() => writer.withOperator('currency', input.transform(new WriteRates())), /withOperator was given uid 'currency' twice/);
      writer.write(join(tempRoot(), 'sp'));
    });
  });

  class Invalid extends BroadcastStateBootstrapFunction<Rate> {
    constructor(private readonly what: 'object key' | 'list descriptor' | 'keyed state') {
      super();
    }
    processElement(r: Rate, ctx: BroadcastStateBootstrapContext): void {
      if (this.what === 'object key') ctx.getBroadcastState(new MapStateDescriptor<object, number>('rates')).put({ currency: r.currency }, r.rate);
      if (this.what === 'list descriptor') ctx.getBroadcastState(new ListStateDescriptor<number>('rates') as never);
      if (this.what === 'keyed state') this.getRuntimeContext().getState(new ValueStateDescriptor<number>('rate')).update(r.rate);
    }
  }
  const failures = [
    ['object key', /A BroadcastState user key must be a string, number, bigint or boolean/],
    ['list descriptor', /getBroadcastState needs a MapStateDescriptor: broadcast state is a map/],
    ['keyed state', /Keyed state 'rate' can only be used on a keyed stream/],
  ] as const;
  for (const [what, message] of failures) {
    test(`a broadcast bootstrap function using ${what === 'keyed state' ? 'keyed state' : `a ${what}`} fails the writing job in one line, leaving no savepoint`, async () => {
      const sp = join(tempRoot(), 'sp');
      const failed = runJob((env) => {
        SavepointWriter.newSavepoint(env).withOperator('currency', OperatorTransformation.bootstrapWith(env.fromData(RATES)).transform(new Invalid(what))).write(sp);
      });
      await assert.rejects(failed, (e: Error) => {
        assert.match(e.message, /^Operator "Bootstrap 'currency'"/);
        assert.match(e.message, message);
        assert.doesNotMatch(e.message, /\n/);
        return true;
      });
      assert.equal(existsSync(join(sp, '_metadata')), false);
    });
  }
});
