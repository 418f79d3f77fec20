import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OutputTag } from '../../src/graph/index.js';

test('OutputTags with the same id are the same output', () => {
  const late = new OutputTag<number>('late');
  assert.equal(late.id, 'late');
  assert.equal(late.getId(), 'late');
  assert.ok(late.equals(new OutputTag<string>('late')));
  assert.ok(!late.equals(new OutputTag<number>('early')));
  assert.ok(!late.equals({ id: 'late' }));
  assert.equal(String(late), 'OutputTag(late)');
});

test('an OutputTag needs a non-empty id', () => {
  for (const bad of ['', undefined, 5]) {
    assert.throws(() => new OutputTag(bad as string), /An OutputTag needs a non-empty id string/);
  }
});
