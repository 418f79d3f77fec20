import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ParameterTool } from '../../src/index.js';

// Inputs and expectations of Flink's ParameterToolTest / AbstractParameterToolTest.
describe('ParameterTool.fromArgs, as Flink parses arguments', () => {
  test('keys with -- and -, values, flags and negative numbers', () => {
    const p = ParameterTool.fromArgs(['--input', 'myInput', '-expectedCount', '15', '--withoutValues', '--negativeFloat', '-0.58',
      '-isWorking', 'true', '--maxByte', '127', '-negativeShort', '-1024']);
    assert.equal(p.getNumberOfParameters(), 7);
    assert.equal(p.getRequired('input'), 'myInput');
    assert.equal(p.get('output'), undefined);
    assert.equal(p.get('output', 'myDefault'), 'myDefault');
    assert.equal(p.getInt('expectedCount'), 15);
    assert.equal(p.getLong('expectedCount'), 15);
    assert.ok(p.has('withoutValues'));
    assert.equal(p.get('withoutValues'), ParameterTool.NO_VALUE_KEY);
    assert.equal(p.getFloat('negativeFloat'), -0.58);
    assert.equal(p.getBoolean('isWorking'), true);
    assert.equal(p.getByte('maxByte'), 127);
    assert.equal(p.getShort('negativeShort'), -1024);
    assert.equal(p.has('unknown'), false);
  });
  test('flags alone, mixed prefixes', () => {
    for (const args of [['-berlin'], ['--berlin']]) assert.ok(ParameterTool.fromArgs(args).has('berlin'));
    const p = ParameterTool.fromArgs(['--a', '-b', '-c', '-d', '--e', '--f']);
    assert.equal(p.getNumberOfParameters(), 6);
    for (const k of 'abcdef') assert.ok(p.has(k));
  });
  test('an argument without a prefix, or a prefix alone, is refused', () => {
    assert.throws(() => ParameterTool.fromArgs(['a']), /Cannot parse the arguments at 'a': keys start with -- or -/);
    assert.throws(() => ParameterTool.fromArgs(['--a', '-b', '--']), /argument 3 \('--'\) is a prefix without a key/);
    assert.throws(() => ParameterTool.fromArgs(['--a', '-b', '-']), /argument 3 \('-'\) is a prefix without a key/);
  });
  test('a later key wins', () => assert.equal(ParameterTool.fromArgs(['--n', '1', '--n', '2']).getInt('n'), 2));
});

describe('ParameterTool getters', () => {
  test('a missing required key is named', () => {
    assert.throws(() => ParameterTool.fromArgs([]).getRequired('input'), /No data for required key 'input'/);
    assert.throws(() => ParameterTool.fromArgs([]).getInt('rate'), /No data for required key 'rate'/);
  });
  test('defaults apply only to missing keys', () => {
    const p = ParameterTool.fromArgs(['--rate', '5']);
    assert.equal(p.getInt('rate', 1), 5);
    assert.equal(p.getInt('count', 7), 7);
    assert.equal(p.getBoolean('verbose', true), true);
    assert.equal(p.getDouble('ratio', 0.5), 0.5);
  });
  test('a key given without a value is no number; as a boolean it is false (Boolean.valueOf)', () => {
    const p = ParameterTool.fromArgs(['-int', '-boolean']);
    assert.throws(() => p.getInt('int'), /Parameter 'int' must be an integer, but it was given without a value/);
    assert.equal(p.getBoolean('boolean'), false);
  });
  test('whole numbers by Java\'s ranges and syntax', () => {
    const p = ParameterTool.fromArgs(['--i', '2147483647', '--big', '2147483648', '--frac', '1.5', '--b', '128', '--s', '-32768', '--x', '12abc']);
    assert.equal(p.getInt('i'), 2147483647);
    assert.throws(() => p.getInt('big'), /'big' must be an integer, but it is '2147483648'/);
    assert.equal(p.getLong('big'), 2147483648);
    assert.throws(() => p.getInt('frac'), RangeError);
    assert.throws(() => p.getByte('b'), /must be a byte/);
    assert.equal(p.getShort('s'), -32768);
    assert.throws(() => p.getLong('x'), /'x' must be a safe integer, but it is '12abc'/);
    assert.throws(() => p.getDouble('x'), /must be a number/);
  });
  test('unrequested parameters shrink as they are read', () => {
    const p = ParameterTool.fromArgs(['-boolean', 'true', '--int', '4', '--typo', 'x']);
    assert.deepEqual([...p.getUnrequestedParameters()].sort(), ['boolean', 'int', 'typo']);
    p.getBoolean('boolean');
    p.getInt('int', 0);
    assert.deepEqual([...p.getUnrequestedParameters()], ['typo']);
  });
  test('fromMap, toMap and mergeWith (the other wins)', () => {
    const a = ParameterTool.fromMap({ input: 'myInput', expectedCount: '15' });
    assert.equal(a.getInt('expectedCount'), 15);
    const merged = ParameterTool.fromArgs(['--input', 'x']).mergeWith(a);
    assert.deepEqual(Object.fromEntries(merged.toMap()), { input: 'myInput', expectedCount: '15' });
  });
});
