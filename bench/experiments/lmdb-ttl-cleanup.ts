/**
 * What `cleanupIncrementally(n, perRecord)` costs on the lmdb backend: a keyed backend loop (set
 * the key, read a TTL ValueState, write it back) over K keys in the bench's key order
 * ((i · 7919) mod K), with no incremental cleanup, with cleanupIncrementally(10, false) and with
 * cleanupIncrementally(10, true); µs per record, best of `rounds` runs, each on a fresh store
 * with every key written once before the timed part. With a TTL of 1 h nothing expires, and the
 * cleanup skips every key group after its first look (nothing in it can have expired); with
 * 5 ms values keep expiring, so key groups keep being scanned. Both wall-clock and CPU time
 * (the process's user + system) are shown: on a shared machine the CPU time moves less.
 * Then the cleanup's steps alone, first passes over the same keys written out (a new cleanup
 * scans every key group): µs per entry checked, with no key in the cache (each value decoded
 * from the scan) and with every key in it.
 *
 *   node --import tsx bench/experiments/lmdb-ttl-cleanup.ts [records=200000] [keys=10000,100000] [rounds=3]
 *
 * The figures, before and after the scan and the skipping: README, the lmdb paragraph on
 * cleanupIncrementally.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { KeyGroupRange, LmdbStateStore, StateTtlConfig, type StateTtlConfigBuilder, ValueStateDescriptor, assignToKeyGroup, createKeyedStateBackend, type ValueState } from '../../src/state/index.js';
import { IncrementalCleanup } from '../../src/state/ttl-cleanup.js';
import { systemClock } from '../../src/util/clock.js';

const records = Number(process.argv[2] ?? 200_000);
const keyCounts = (process.argv[3] ?? '10000,100000').split(',').map(Number);
const rounds = Number(process.argv[4] ?? 3);
const MAX_PARALLELISM = 128;

type Cleanup = { name: string; ttlMs: number; configure: (b: StateTtlConfigBuilder) => void };
const HOUR = 3_600_000;
const cleanups: Cleanup[] = [
  { name: 'no incremental cleanup', ttlMs: HOUR, configure: () => {} },
  { name: 'cleanupIncrementally(10, false)', ttlMs: HOUR, configure: (b) => b.cleanupIncrementally(10, false) },
  { name: 'cleanupIncrementally(10, true)', ttlMs: HOUR, configure: (b) => b.cleanupIncrementally(10, true) },
  // Values expire all the time (a key comes round again after `keys` records, later than this):
  // every key group keeps holding expired values, so none is skipped.
  { name: 'no incremental cleanup, TTL 5 ms', ttlMs: 5, configure: () => {} },
  { name: 'cleanupIncrementally(10, false), TTL 5 ms', ttlMs: 5, configure: (b) => b.cleanupIncrementally(10, false) },
];

interface Timing {
  wall: number;
  cpu: number;
}

/** µs per record, wall-clock and CPU. */
function run(keys: number, cleanup: Cleanup, dir: string): Timing {
  const backend = createKeyedStateBackend({ type: 'lmdb', incremental: false, localDirectory: dir }, MAX_PARALLELISM, new KeyGroupRange(0, MAX_PARALLELISM - 1), systemClock);
  try {
    const ttl = StateTtlConfig.newBuilder(cleanup.ttlMs);
    cleanup.configure(ttl);
    backend.setCurrentKey(0);
    const state = backend.getOrCreateState(new ValueStateDescriptor<number>('count').enableTimeToLive(ttl.build())) as ValueState<number>;
    for (let k = 0; k < keys; k++) {
      backend.setCurrentKey(k);
      state.update(0);
    }
    const start = performance.now();
    const cpuStart = process.cpuUsage();
    for (let i = 0; i < records; i++) {
      backend.setCurrentKey((i * 7919) % keys);
      state.update((state.value() ?? 0) + 1);
    }
    const cpu = process.cpuUsage(cpuStart);
    return { wall: ((performance.now() - start) * 1000) / records, cpu: (cpu.user + cpu.system) / records };
  } finally {
    backend.dispose();
  }
}

/** CPU µs per entry of first passes of 10-entry cleanup steps over `keys` keys on disk, all of them in the cache or none. */
function stepsAlone(keys: number, cached: boolean, dir: string): number {
  const range = new KeyGroupRange(0, MAX_PARALLELISM - 1);
  const store = new LmdbStateStore(dir, range, cached ? keys + 1 : 2);
  try {
    const table = store.createTable();
    for (let k = 0; k < keys; k++) table.set(assignToKeyGroup(k, MAX_PARALLELISM), k, [k, Date.now()]);
    store.flush();
    if (cached) for (let k = 0; k < keys; k++) table.get(assignToKeyGroup(k, MAX_PARALLELISM), k);
    const steps = Math.floor((keys + MAX_PARALLELISM) / 10);
    const passes = Math.max(1, Math.round(records / keys));
    const cpuStart = process.cpuUsage();
    for (let p = 0; p < passes; p++) {
      const cleanup = new IncrementalCleanup(table, range, { kind: 'value', ttl: true, namespaced: false }, HOUR, systemClock, 10);
      for (let i = 0; i < steps; i++) cleanup.step();
    }
    const cpu = process.cpuUsage(cpuStart);
    return (cpu.user + cpu.system) / (passes * steps * 10);
  } finally {
    store.dispose();
  }
}

const dir = mkdtempSync(join(tmpdir(), 'flink-ts-ttl-bench-'));
try {
  for (const keys of keyCounts) {
    for (const c of cleanups) {
      const times: Timing[] = [];
      for (let r = 0; r < rounds; r++) times.push(run(keys, c, dir));
      const best = (f: (t: Timing) => number) => Math.min(...times.map(f)).toFixed(2);
      const shown = times.map((t) => `${t.wall.toFixed(1)}/${t.cpu.toFixed(1)}`).join(' ');
      console.log(`${keys} keys, ${c.name}: best ${best((t) => t.wall)} µs/record wall, ${best((t) => t.cpu)} CPU (runs, wall/CPU: ${shown})`);
    }
    for (const cached of [false, true]) {
      const times: number[] = [];
      for (let r = 0; r < rounds; r++) times.push(stepsAlone(keys, cached, dir));
      console.log(`${keys} keys, cleanup steps alone, ${cached ? 'every key cached' : 'no key cached'}: best ${Math.min(...times).toFixed(2)} µs CPU per entry checked (runs: ${times.map((t) => t.toFixed(2)).join(' ')})`);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
