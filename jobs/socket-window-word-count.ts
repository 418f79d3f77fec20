/**
 * Flink's SocketWindowWordCount: words read from a text server, counted per word in tumbling
 * processing-time windows of 5 seconds, printed as `word : count` when each window ends.
 *
 *   nc -lk 9999                                              # in one terminal: type lines here
 *   npx flink run jobs/socket-window-word-count.ts --port 9999 [--hostname localhost] [--window MS]
 *
 * As Flink's, it reads lines at `\n` from the socket (env.socketTextStream) and prints with one
 * subtask. Words are split at runs of whitespace (Flink's example splits at each whitespace
 * character, so two spaces in a row count an empty word). When the server closes the connection
 * the job ends, and the window still open then does not fire (processing-time windows fire only
 * when their time comes, as in Flink).
 */
import { type Collector, Duration, StreamExecutionEnvironment, TumblingProcessingTimeWindows } from 'flink-ts';

function arg(name: string): string | undefined {
  const args = process.argv.slice(2);
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

const port = Number(arg('--port'));
if (!Number.isInteger(port) || port <= 0) {
  console.error("No port specified. Please run 'socket-window-word-count.ts --port <port>', where port is the address of the text server.");
  console.error("To start a simple text server, run 'nc -lk <port>' and type the input text into the command line.");
  process.exit(1);
}
const hostname = arg('--hostname') ?? 'localhost';
const windowMs = Number(arg('--window') ?? '5000');

interface WordWithCount {
  readonly word: string;
  readonly count: number;
}

function words(line: string, out: Collector<WordWithCount>): void {
  for (const word of line.split(/\s+/)) if (word.length > 0) out.collect({ word, count: 1 });
}

const env = StreamExecutionEnvironment.getExecutionEnvironment();

env
  .socketTextStream(hostname, port, '\n')
  .flatMap(words).uid('words')
  .keyBy((w) => w.word)
  .window(TumblingProcessingTimeWindows.of(Duration.ofMillis(windowMs)))
  .reduce((a, b) => ({ word: a.word, count: a.count + b.count })).uid('counts')
  .map((w) => `${w.word} : ${w.count}`)
  .print()
  .setParallelism(1);

await env.execute('Socket Window WordCount');
