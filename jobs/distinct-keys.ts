/**
 * A job with `keys` distinct keys, each seen twice: the first sight stores a value in keyed
 * state, the second reads it back and checks it. A parallelism-1 tally counts the keys checked
 * and the wrong ones, and prints one line when input ends. Used by bench/large-state.ts to run
 * 20M keys on the lmdb backend with the Node heap capped.
 *
 *   flink run [-D state.backend.type=lmdb] jobs/distinct-keys.ts <keys>
 */
import {
  type Collector,
  DataGeneratorSource,
  KeyedProcessFunction,
  type KeyedProcessContext,
  ProcessFunction,
  StreamExecutionEnvironment,
  type ValueState,
  ValueStateDescriptor,
  WatermarkStrategy,
} from 'flink-ts';

const keys = Number(process.argv[2] ?? 1_000_000);

class SeenTwice extends KeyedProcessFunction<number, number, number> {
  private first!: ValueState<number>;
  override open(): void {
    this.first = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('first'));
  }
  processElement(i: number, ctx: KeyedProcessContext<number>, out: Collector<number>): void {
    const seen = this.first.value();
    if (seen === undefined) {
      this.first.update(i);
      return;
    }
    // The first sight of key k was input k: a value read back from the store must be exactly it.
    out.collect(seen === ctx.getCurrentKey() ? 1 : 0);
  }
}

class Tally extends ProcessFunction<number, never> {
  private checked = 0;
  private wrong = 0;
  processElement(ok: number): void {
    this.checked++;
    if (ok !== 1) this.wrong++;
  }
  override close(): void {
    const m = process.memoryUsage();
    const mib = (b: number) => `${Math.round(b / 1024 / 1024)} MiB`;
    console.log(`keys checked: ${this.checked}, wrong: ${this.wrong} (heap used ${mib(m.heapUsed)}, rss ${mib(m.rss)})`);
  }
}

const env = StreamExecutionEnvironment.getExecutionEnvironment();
env
  .fromSource(new DataGeneratorSource((i: number) => i % keys, 2 * keys), WatermarkStrategy.noWatermarks(), 'keys twice')
  .uid('gen')
  .keyBy((k: number) => k)
  .process(new SeenTwice())
  .uid('seen-twice')
  .process(new Tally())
  .uid('tally')
  .setParallelism(1);
await env.execute('distinct-keys');
