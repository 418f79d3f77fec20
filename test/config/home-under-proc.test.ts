import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { ensureHome } from '../../src/config/index.js';
import { ConfigError } from '../../src/util/errors.js';

// Under /proc a directory whose parent exists still cannot be made, and Node's recursive
// mkdirSync retries that for ever: `flink list` with such a FLINK_TS_HOME hung instead of
// saying this (were it to hang again, this test hangs: the call blocks the event loop).
test('a FLINK_TS_HOME under /proc is refused at once, naming the directory that cannot be made', () => {
  assert.throws(() => ensureHome('/proc/flink-ts-home/x'), (err: unknown) => {
    assert.ok(err instanceof ConfigError);
    assert.equal(err.message, 'Cannot use FLINK_TS_HOME=/proc/flink-ts-home/x: /proc/flink-ts-home cannot be created there. Set FLINK_TS_HOME to a writable directory.');
    return true;
  });
});
