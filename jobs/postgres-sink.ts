/**
 * Word count into PostgreSQL, exactly once: the lines of a text file → words → a count per word
 * in keyed state → `JdbcSink.exactlyOnceSink` upserting `(word, n)` into table `word_counts`.
 *
 *   npx flink run -D execution.checkpointing.interval=1s jobs/postgres-sink.ts <connection-string> [--input FILE]
 *
 * The table must exist, and the server must allow prepared transactions (`max_prepared_transactions`
 * above 0 in postgresql.conf):
 *
 *   CREATE TABLE word_counts (word text PRIMARY KEY, n bigint NOT NULL);
 *
 * Each checkpoint interval's counts go into one transaction per subtask, prepared at the barrier
 * and committed when the checkpoint completes, so after a crash and `flink run -s <jobId>` every
 * word's row holds its count exactly — never one a restored run counts again.
 */
import { fileURLToPath } from 'node:url';
import {
  type Collector,
  JdbcSink,
  KeyedProcessFunction,
  type KeyedProcessContext,
  StreamExecutionEnvironment,
  type ValueState,
  ValueStateDescriptor,
} from 'flink-ts';

const args = process.argv.slice(2);
const url = args[0];
if (url === undefined || url.startsWith('--')) {
  throw new Error('usage: postgres-sink.ts <connection-string> [--input FILE], e.g. postgresql://user@localhost/db');
}
const at = args.indexOf('--input');
const input = at >= 0 && args[at + 1] ? args[at + 1]! : fileURLToPath(new URL('./data/two-cities.txt', import.meta.url));

type WordCount = [word: string, n: number];

/** Counts each word (key) in keyed state and emits its new count. */
class CountWords extends KeyedProcessFunction<string, string, WordCount> {
  private count!: ValueState<number>;

  override open(): void {
    this.count = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('count', 0));
  }

  processElement(word: string, _ctx: KeyedProcessContext<string>, out: Collector<WordCount>): void {
    const n = this.count.value()! + 1;
    this.count.update(n);
    out.collect([word, n]);
  }
}

const env = StreamExecutionEnvironment.getExecutionEnvironment();

env
  .readTextFile(input).uid('lines')
  .flatMap((line: string) => line.toLowerCase().split(/[^a-z']+/).filter((w) => w.length > 0)).name('Tokenizer').uid('words')
  .keyBy((word) => word)
  .process(new CountWords()).name('Count').uid('count')
  .sinkTo(
    JdbcSink.exactlyOnceSink<WordCount>({
      connectionString: url,
      table: 'word_counts',
      columns: ['word', 'n'],
      toRow: ([word, n]) => [word, n],
      upsertKey: ['word'],
    }),
  ).name('word_counts').uid('word-counts-db');

await env.execute('postgres-word-count');
