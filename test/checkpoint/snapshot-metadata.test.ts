/**
 * `_metadata` is data from disk: decoding it must refuse any shape it does not know with one
 * message, before anything recursive (the checksum's JSON.stringify) walks it.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InvalidMetadataError, SNAPSHOT_FORMAT_VERSION, SNAPSHOT_MAGIC, type SnapshotMetadata, decodeMetadata, encodeMetadata, nestsDeeperThan } from '../../src/checkpoint/snapshot-metadata.js';

const LEVELS = 200_000;

function deeplyNested(where: 'operators' | 'extra'): Uint8Array {
  const deep = `${'['.repeat(LEVELS)}${']'.repeat(LEVELS)}`;
  const head = `{"magic":"${SNAPSHOT_MAGIC}","formatVersion":${SNAPSHOT_FORMAT_VERSION},"jobId":"j","checkpointId":1,"kind":"SAVEPOINT","timestamp":1,`;
  const body = where === 'operators' ? `"operators":${deep}` : `"operators":[],"extra":${deep}`;
  return Buffer.from(`{"checksum":"0","metadata":${head}${body}}}`);
}

describe('decodeMetadata on hostile input', () => {
  for (const where of ['operators', 'extra'] as const) {
    test(`${LEVELS} levels of nesting (in ${where}) are refused with a message, not a stack overflow`, () => {
      assert.throws(
        () => decodeMetadata(deeplyNested(where)),
        (err: unknown) => err instanceof InvalidMetadataError && /nests deeper than 16 levels/.test(err.message),
      );
    });
  }

  test('real metadata is well within the nesting limit', () => {
    const m: SnapshotMetadata = {
      magic: SNAPSHOT_MAGIC,
      formatVersion: SNAPSHOT_FORMAT_VERSION,
      jobId: 'ab'.repeat(16),
      jobName: 'j',
      checkpointId: 2,
      kind: 'CHECKPOINT',
      timestamp: 1,
      operators: [
        {
          uid: 'u',
          name: 'u',
          parallelism: 1,
          maxParallelism: 128,
          subtasks: [
            {
              uid: 'u', name: 'u', subtask: 0, parallelism: 1, maxParallelism: 128, file: 'u-0.state', size: 1, checksum: 'c',
              keyGroupRange: [0, 127], stateNames: ['s'], sharedState: [{ file: 'x.state', size: 1, checksum: 'c' }],
            },
          ],
        },
      ],
    };
    assert.deepEqual(decodeMetadata(encodeMetadata(m)), m);
  });

  test("a max parallelism above Flink's bound (32768), or a parallelism above the max parallelism, is refused: no restore or reader walks 2^31 key groups", () => {
    const op = (parallelism: number, maxParallelism: number): SnapshotMetadata => ({
      magic: SNAPSHOT_MAGIC,
      formatVersion: SNAPSHOT_FORMAT_VERSION,
      jobId: 'ab'.repeat(16),
      jobName: 'j',
      checkpointId: 1,
      kind: 'SAVEPOINT',
      timestamp: 1,
      operators: [{ uid: 'u', name: 'u', parallelism, maxParallelism, subtasks: [] }],
    });
    assert.throws(() => decodeMetadata(encodeMetadata(op(1, 2 ** 31))), (e: unknown) => e instanceof InvalidMetadataError && /max parallelism 2147483648, above the most any job can have \(32768\)/.test(e.message));
    assert.throws(() => decodeMetadata(encodeMetadata(op(5, 4))), (e: unknown) => e instanceof InvalidMetadataError && /parallelism 5 above its max parallelism 4/.test(e.message));
    assert.equal(decodeMetadata(encodeMetadata(op(4, 32768))).operators[0]!.maxParallelism, 32768);
  });

  test('a checkpoint id past 2^52 is refused: a job restored from it would count on into ids that are no longer distinct numbers', () => {
    const withId = (checkpointId: number): SnapshotMetadata => ({
      magic: SNAPSHOT_MAGIC,
      formatVersion: SNAPSHOT_FORMAT_VERSION,
      jobId: 'ab'.repeat(16),
      jobName: 'j',
      checkpointId,
      kind: 'SAVEPOINT',
      timestamp: 1,
      operators: [],
    });
    for (const id of [1e308, 2 ** 53 - 1, 2 ** 52 + 1]) {
      assert.throws(() => decodeMetadata(encodeMetadata(withId(id))), (e: unknown) => e instanceof InvalidMetadataError && /checkpoint id \S+ is beyond the largest a job reaches \(4503599627370496\)/.test(e.message), String(id));
    }
    assert.equal(decodeMetadata(encodeMetadata(withId(2 ** 52))).checkpointId, 2 ** 52);
  });

  test('nestsDeeperThan counts levels of arrays and objects, iteratively', () => {
    assert.equal(nestsDeeperThan(1, 0), false);
    assert.equal(nestsDeeperThan([], 0), true);
    assert.equal(nestsDeeperThan([[1]], 2), false);
    assert.equal(nestsDeeperThan([[{ a: 1 }]], 2), true);
    let deep: unknown = 0;
    for (let i = 0; i < LEVELS; i++) deep = { a: deep };
    assert.equal(nestsDeeperThan(deep, 16), true);
  });
});
