/**
 * Flink's WindowWordCount: the streaming word count over count windows — per word, every
 * `slide` occurrences, the number of times it occurred among its last `window` occurrences.
 *
 *   npx flink run jobs/window-word-count.ts [--input FILE] [--output DIR] [--window N] [--slide N]
 *
 * Defaults as Flink's: window 250, slide 150, the bundled text (jobs/data/two-cities.txt) and
 * printed results `(word,count)` (with `--output`, part files of such lines instead). Only words
 * seen at least `slide` times produce anything.
 */
import { fileURLToPath } from 'node:url';
import { type Collector, FileSink, StreamExecutionEnvironment } from 'flink-ts';

function arg(name: string, fallback: string | undefined): string | undefined {
  const args = process.argv.slice(2);
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
}

const input = arg('--input', fileURLToPath(new URL('./data/two-cities.txt', import.meta.url)))!;
const output = arg('--output', undefined);
const windowSize = Number(arg('--window', '250'));
const slideSize = Number(arg('--slide', '150'));

/** Flink's WordCount.Tokenizer: lower-cased words, each as (word, 1). */
function tokenize(line: string, out: Collector<[string, number]>): void {
  for (const token of line.toLowerCase().split(/\W+/)) if (token.length > 0) out.collect([token, 1]);
}

const env = StreamExecutionEnvironment.getExecutionEnvironment();

const counts = env
  .readTextFile(input).uid('lines')
  .flatMap(tokenize).name('tokenizer').uid('tokenizer')
  .keyBy((value) => value[0])
  .countWindow(windowSize, slideSize)
  .sum(1).name('counter').uid('counter')
  .map(([word, count]) => `(${word},${count})`).uid('format');

if (output !== undefined) counts.sinkTo(FileSink.forRowFormat<string>(output).build()).name('file-sink').uid('sink');
else counts.print().name('print-sink');

await env.execute('WindowWordCount');
