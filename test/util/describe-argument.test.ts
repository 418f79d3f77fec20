import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DataGeneratorSource, StreamExecutionEnvironment } from '../../src/index.js';
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
  const cases: Array<[string, () => unknown, RegExp]> = [
    ['setParallelism', () => env.setParallelism('5' as unknown as number), /The parallelism must be a positive integer, got the string '5'\.$/],
    ['an operator parallelism', () => env.fromSequence(1, 3).map((x) => x).setParallelism('2' as unknown as number), /got the string '2'\.$/],
    ['DataGeneratorSource count', () => new DataGeneratorSource((i) => i, '30000' as unknown as number), /non-negative integer or Infinity, got the string '30000'\.$/],
    ['fromSequence', () => env.fromSequence(1, '5' as unknown as number), /fromSequence\(from, to\): both ends must be safe integers, got the string '5'\.$/],
    ['enableCheckpointing', () => env.enableCheckpointing('1000' as unknown as number), /got the string '1000'\.$/],
    ['setMaxParallelism', () => env.setMaxParallelism('64' as unknown as number), /got the string '64'\.$/],
  ];
  for (const [name, call, message] of cases) test(name, () => assert.throws(call, message));

  test('a timestamp assigner returning undefined says undefined once', () => {
    assert.throws(() => checkTimestamp(undefined as unknown as number, 'The timestamp assigner result'), /, got undefined\.$/);
  });
});
