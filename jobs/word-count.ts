/**
 * Word count: the lines of a text file → words → a count per word in keyed state → part files.
 *
 *   npx flink run jobs/word-count.ts [--input FILE] [--output DIR]
 *
 * It prints nothing; the counts land in DIR (default out/word-count) as lines `word,count`.
 * Like Flink's streaming word count it emits a word's new count each time the word is seen,
 * so the highest count of a word is its total. Each run (or restore) adds part files; the
 * directory is never cleared, so a restored run keeps what was committed before the crash.
 */
import { fileURLToPath } from 'node:url';
import {
  type Collector,
  FileSink,
  KeyedProcessFunction,
  type KeyedProcessContext,
  type ValueState,
  ValueStateDescriptor,
  StreamExecutionEnvironment,
} from 'flink-ts';

function arg(name: string, fallback: string): string {
  const args = process.argv.slice(2);
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
}

const input = arg('--input', fileURLToPath(new URL('./data/two-cities.txt', import.meta.url)));
const output = arg('--output', 'out/word-count');

/** Counts the words of each key (word) in keyed state. */
class CountWords extends KeyedProcessFunction<string, string, string> {
  private count!: ValueState<number>;

  override open(): void {
    this.count = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('count', 0));
  }

  processElement(word: string, _ctx: KeyedProcessContext<string>, out: Collector<string>): void {
    const n = this.count.value()! + 1;
    this.count.update(n);
    out.collect(`${word},${n}`);
  }
}

const env = StreamExecutionEnvironment.getExecutionEnvironment();

env
  .readTextFile(input).uid('lines')
  .flatMap((line: string) => line.toLowerCase().split(/[^a-z']+/).filter((w) => w.length > 0)).name('Tokenizer').uid('words')
  .keyBy((word) => word)
  .process(new CountWords()).name('Count').uid('count')
  .sinkTo(FileSink.forRowFormat<string>(output).build()).name('Counts').uid('sink');

await env.execute('word-count');
