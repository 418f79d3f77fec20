/**
 * The lmdb backend's data file must stop growing in a long-running job with churning keys. LMDB
 * never shrinks its file and reuses a freed page only once no read transaction can still see it;
 * a checkpoint's cut holds one until its snapshot is encoded. A soak of TTL'd churning keys grew
 * the file in steps (a plateau is the largest number of commits made while one cut was open, about
 * 6 pages each); a cut that never let its read transaction go would pin every page freed after it,
 * and the file would grow with every write-out, without end.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { KeyGroupRange, LmdbStateStore, assignToKeyGroup } from '../../src/state/index.js';

const MAX_PARALLELISM = 128;
const scratch = mkdtempSync(join(tmpdir(), 'flink-ts-lmdb-bound-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

test('lmdb: a churning key set keeps the data file bounded across many checkpoint cuts', () => {
  const store = new LmdbStateStore(scratch, new KeyGroupRange(0, MAX_PARALLELISM - 1), 1_000_000);
  try {
    const table = store.createTable();
    const LIVE = 50;
    const CYCLES = 1500;
    const size = () => statSync(join(store.dir, 'data.mdb')).size;
    let next = 0;
    const live: number[] = [];
    let warm = 0;
    for (let c = 0; c < CYCLES; c++) {
      // A checkpoint's cut, held across a few write-outs as its snapshot is encoded between
      // processing slices, then released.
      const cut = store.cut();
      for (let w = 0; w < 3; w++) {
        // Keys come and go (TTL'd, churning): a few new ones a write-out, the oldest removed.
        for (let n = 0; n < 3; n++) {
          const key = `key-${next++}`;
          live.push(next - 1);
          table.set(assignToKeyGroup(key, MAX_PARALLELISM), key, { n: next, pad: 'x'.repeat(100) });
          if (live.length > LIVE) {
            const old = `key-${live.shift()!}`;
            table.delete(assignToKeyGroup(old, MAX_PARALLELISM), old);
          }
        }
        store.flush();
      }
      cut.release();
      if (c === 100) warm = size();
    }
    const end = size();
    // Each write-out copies a few pages: ~13,500 of them over the run would be ~55 MB if freed
    // pages were never reused. Reused, the file stays where it was after warm-up, give or take.
    assert.ok(warm > 0 && end <= Math.max(2 * warm, 1 << 20), `data file grew from ${warm >> 10} KiB (after 100 cuts) to ${end >> 10} KiB (after ${CYCLES})`);
  } finally {
    store.dispose();
  }
});
