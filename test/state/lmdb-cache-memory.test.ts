/**
 * The lmdb backend's write cache must not hold Node's pooled Buffers (found by a soak): a small
 * Buffer is a slice of a shared 8 KiB slab and keeps the whole slab alive, so cached entries that
 * kept their encoded on-disk keys pinned up to 8 KiB each — a job with TTL'd, churning keys grew
 * the process's ArrayBuffers ~4.5 MB a minute until its cache (50,000 entries) was evicted.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { type ValueState, ValueStateDescriptor } from '../../src/state/index.js';
import { createBackend } from './backends.js';

setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;

/** A full collection, after which freed ArrayBuffers are counted as freed: V8 frees their memory on a background thread after the collection, so one is waited for and repeated. */
async function gc(): Promise<void> {
  collect();
  await new Promise((r) => setTimeout(r, 50));
  collect();
  await new Promise((r) => setTimeout(r, 50));
}

test('lmdb: cached entries do not keep pooled Buffers alive', async () => {
  const KEYS = 2000;
  const b = createBackend('lmdb', { cacheEntries: 10 * KEYS });
  const v = b.getOrCreateState<ValueState<number>>(new ValueStateDescriptor<number>('v'));
  const garbage: Buffer[] = [];
  await gc();
  const before = process.memoryUsage().arrayBuffers;
  for (let i = 0; i < KEYS; i++) {
    b.setCurrentKey(`key-${i}`);
    v.update(i);
    // Other small Buffers fill the rest of the pool's slab, as a job's other work does: each
    // key's slab is then one no one else keeps.
    garbage.push(Buffer.allocUnsafe(4000));
    garbage.length = 0;
  }
  await gc();
  const grown = process.memoryUsage().arrayBuffers - before;
  // Pinned slabs would be ~8 KiB a key (16 MB); the entries themselves hold no Buffers.
  assert.ok(grown < 2 << 20, `ArrayBuffers grew by ${(grown / 1048576).toFixed(1)} MB over ${KEYS} cached keys`);
  for (let i = 0; i < KEYS; i += 97) {
    b.setCurrentKey(`key-${i}`);
    assert.equal(v.value(), i);
  }
});
