import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatRecord } from '../../src/util/format-record.js';

test('strings as they are, other primitives with String(), a Date in ISO form', () => {
  assert.equal(formatRecord('a "b"'), 'a "b"');
  assert.equal(formatRecord(1.5), '1.5');
  assert.equal(formatRecord(12n), '12');
  assert.equal(formatRecord(true), 'true');
  assert.equal(formatRecord(null), 'null');
  assert.equal(formatRecord(undefined), 'undefined');
  assert.equal(formatRecord(new Date(0)), '1970-01-01T00:00:00.000Z');
});

test('plain objects and arrays are their JSON', () => {
  const row = { auction: 1, price: 2.5, tags: ['x', null, { deep: [1, 2] }], when: new Date(0), s: 'q"' };
  assert.equal(formatRecord(row), JSON.stringify(row));
  assert.equal(formatRecord([1, 'a', [true]]), '[1,"a",[true]]');
});

test('bigint, Map and Set are converted wherever they sit, at any depth', () => {
  assert.equal(formatRecord({ a: 1n }), '{"a":"1"}');
  assert.equal(formatRecord([{ m: new Map([['k', 2n]]) }]), '[{"m":[["k","2"]]}]');
  assert.equal(formatRecord({ s: new Set([1, 2]) }), '{"s":[1,2]}');
  let deep: unknown = { last: 3n };
  for (let i = 0; i < 100; i++) deep = { d: deep };
  assert.match(formatRecord(deep), /\{"last":"3"\}/);
  // an object's own toJSON is honoured, and what it returns converted too
  assert.equal(formatRecord({ x: { toJSON: () => ({ n: 5n }) } }), '{"x":{"n":"5"}}');
});
