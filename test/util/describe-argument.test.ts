import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DataGeneratorSource, JdbcSink, MemorySize, NexmarkSource, StreamExecutionEnvironment } from '../../src/index.js';
import { describeArgument } from '../../src/util/describe-argument.js';
import { checkTimestamp } from '../../src/util/time.js';

// A number read from process.argv is a string: `setParallelism(process.argv[2])` used to say
// "must be a positive integer, got 5", which reads as a contradiction.
describe('describeArgument: what a message says it was given', () => {
  const cases: Array<[unknown, string]> = [
    [5, '5'],
    [Number.NaN, 'NaN'],
    ['5', "the string '5'"],
    ['a\nb', "the string 'a\\nb'"],
    [5n, 'the bigint 5n'],
    [true, 'the boolean true'],
    [undefined, 'undefined'],
    [null, 'null'],
    [{}, 'an object (Object)'],
    [() => 1, 'a function'],
  ];
  for (const [value, shown] of cases) test(`${String(shown)}`, () => assert.equal(describeArgument(value), shown));
});

describe('numeric arguments given as strings are named as strings', () => {
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  const jdbc = { connectionString: 'postgresql://localhost/db', table: 't', columns: ['a'], toRow: (x: number) => [x] };
  const cases: Array<[string, () => unknown, RegExp]> = [
    ['setParallelism', () => env.setParallelism('5' as unknown as number), /The parallelism must be a positive integer, got the string '5'\.$/],
    ['an operator parallelism', () => env.fromSequence(1, 3).map((x) => x).setParallelism('2' as unknown as number), /got the string '2'\.$/],
    ['DataGeneratorSource count', () => new DataGeneratorSource((i) => i, '30000' as unknown as number), /non-negative integer or Infinity, got the string '30000'\.$/],
    ['fromSequence', () => env.fromSequence(1, '5' as unknown as number), /fromSequence\(from, to\): both ends must be safe integers, got the string '5'\.$/],
    ['enableCheckpointing', () => env.enableCheckpointing('1000' as unknown as number), /got the string '1000'\.$/],
    ['setMaxParallelism', () => env.setMaxParallelism('64' as unknown as number), /got the string '64'\.$/],
    ['MemorySize', () => new MemorySize('64' as unknown as number), /got the string '64'\.$/],
    ['socketTextStream port', () => env.socketTextStream('localhost', '9999' as unknown as number), /port must be an integer from 1 to 65535, got the string '9999'\.$/],
    ['socketTextStream maxRetry', () => env.socketTextStream('localhost', 9999, '\n', '3' as unknown as number), /got the string '3'\.$/],
    ['NexmarkSource count', () => new NexmarkSource({ count: '100' as unknown as number }), /got the string '100'\.$/],
    ['NexmarkSource recordsPerSecond', () => new NexmarkSource({ recordsPerSecond: '10' as unknown as number }), /recordsPerSecond must be positive, got the string '10'\.$/],
    ['a Nexmark option', () => new NexmarkSource({ firstEventRate: '10' as unknown as number }), /firstEventRate must be a positive number, got the string '10'\.$/],
    ['JdbcSink batchSize', () => JdbcSink.sink({ ...jdbc, batchSize: '10' as unknown as number }), /batchSize must be a positive whole number, got the string '10'\.$/],
    ['JdbcSink takeoverTimeoutMs', () => JdbcSink.exactlyOnceSink({ ...jdbc, takeoverTimeoutMs: '10' as unknown as number }), /takeoverTimeoutMs must be between 0 and 2147483647, got the string '10'\.$/],
  ];
  for (const [name, call, message] of cases) test(name, () => assert.throws(call, message));

  test('a timestamp assigner returning undefined says undefined once', () => {
    assert.throws(() => checkTimestamp(undefined as unknown as number, 'The timestamp assigner result'), /, got undefined\.$/);
  });
});
