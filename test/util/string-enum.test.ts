import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CheckpointConfig, ExternalizedCheckpointRetention } from '../../src/api/checkpoint-config.js';
import { stringEnum } from '../../src/util/string-enum.js';

test('stringEnum: every value is its name, in order, and the object is frozen', () => {
  const Mode = stringEnum('FAST', 'SAFE');
  assert.equal(Mode.FAST, 'FAST');
  assert.deepEqual(Object.values(Mode), ['FAST', 'SAFE']);
  assert.ok(Object.isFrozen(Mode));
});

test('CheckpointConfig accepts each retention the enum names and refuses others', () => {
  const config = new CheckpointConfig();
  for (const r of Object.values(ExternalizedCheckpointRetention)) config.setExternalizedCheckpointRetention(r);
  assert.equal(config.settings.externalizedRetention, 'NO_EXTERNALIZED_CHECKPOINTS');
  assert.throws(() => config.setExternalizedCheckpointRetention('KEEP' as ExternalizedCheckpointRetention), /Unknown externalized checkpoint retention KEEP/);
});
