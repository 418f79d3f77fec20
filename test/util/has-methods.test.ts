import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hasMethods } from '../../src/util/has-methods.js';
import { isCheckpointedFunction } from '../../src/graph/functions.js';

test('hasMethods: an object with a function under every name; not null, primitives, functions or non-function fields', () => {
  class Impl {
    initializeState(): void {}
    snapshotState(): void {}
  }
  assert.equal(hasMethods(new Impl(), 'initializeState', 'snapshotState'), true, 'methods on the prototype count');
  assert.equal(hasMethods({ a: () => 1 }, 'a'), true);
  assert.equal(hasMethods({ a: () => 1 }, 'a', 'b'), false);
  assert.equal(hasMethods({ a: 1 }, 'a'), false);
  assert.equal(hasMethods(null, 'a'), false);
  assert.equal(hasMethods('a', 'length'), false);
  assert.equal(hasMethods(Object.assign(() => 0, { a: () => 1 }), 'a'), false, 'a function is not an object here');
  assert.equal(isCheckpointedFunction(new Impl()), true);
  assert.equal(isCheckpointedFunction({ initializeState() {} }), false);
});
