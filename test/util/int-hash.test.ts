import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fmix32, lowbias32 } from '../../src/util/int-hash.js';

// Reference values from the inline copies these functions replaced (key-groups' murmur3
// finalizer, the Nexmark generator's draws): both are part of what a run reproduces.
test('fmix32 is murmur3\'s finalizer', () => {
  assert.deepEqual([0, 1, 42, 0xdeadbeef | 0, -1].map(fmix32), [0, 1364076727, 142593372, 233162409, 2180083513]);
});

test('lowbias32 is Wellons\' lowbias32', () => {
  assert.deepEqual([0, 1, 42, 0xdeadbeef | 0, -1].map(lowbias32), [0, 2261973619, 671623878, 707447538, 2578835075]);
});
