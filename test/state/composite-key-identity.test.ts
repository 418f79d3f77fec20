/*
 * Composite keys are compared by value (README): distinct keys that JSON.stringify alone writes
 * alike — [Infinity], [-Infinity] and [NaN] (all null), [1n] and ['1n'] — must not share a state
 * entry, as in Flink, where Tuple1(+Inf) and Tuple1(-Inf) are different keys (found by review).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ValueStateDescriptor, type ValueState } from '../../src/state/index.js';
import { BACKENDS, createBackend } from './backends.js';

const PAIRS: Array<[string, unknown, unknown]> = [
  ['[Infinity] vs [-Infinity]', [Infinity], [-Infinity]],
  ['[NaN] vs [Infinity]', [NaN], [Infinity]],
  ['{ t: Infinity } vs { t: -Infinity }', { t: Infinity }, { t: -Infinity }],
  ['[1n] vs ["1n"]', [1n], ['1n']],
  ['["s", 10n] vs ["s", "10n"]', ['s', 10n], ['s', '10n']],
];

for (const type of BACKENDS) {
  describe(`distinct composite keys have distinct state [${type}]`, () => {
    for (const [name, a, b] of PAIRS) {
      test(name, () => {
        const backend = createBackend(type);
        const v = backend.getOrCreateState<ValueState<string>>(new ValueStateDescriptor<string>('v'));
        backend.setCurrentKey(a);
        v.update('first');
        backend.setCurrentKey(b);
        assert.equal(v.value(), undefined, `key ${name.split(' vs ')[1]} sees the value of ${name.split(' vs ')[0]}`);
        v.update('second');
        backend.setCurrentKey(a);
        assert.equal(v.value(), 'first', 'writing the second key overwrote the first');
      });
    }
  });
}
