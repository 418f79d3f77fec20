import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import {
  type KeyGroupBlock,
  KeyGroupRange,
  type KeyedStateBackend,
  type PendingKeyedSnapshot,
  STATE_BACKEND_NAMES,
  createKeyedStateBackend,
  entriesByKeyGroup,
} from '../../src/state/index.js';
import { systemClock } from '../../src/util/clock.js';
import type { Clock } from '../../src/util/clock.js';

/** Every state backend: the contract tests run against each. */
export const BACKENDS = STATE_BACKEND_NAMES;
export type BackendType = (typeof BACKENDS)[number];

let scratch: string | undefined;
const created: KeyedStateBackend[] = [];
after(() => {
  for (const b of created) b.dispose();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

export interface BackendOptions {
  readonly clock?: Clock;
  readonly range?: KeyGroupRange;
  readonly maxParallelism?: number;
  readonly incremental?: boolean;
  /** lmdb: entries cached before a flush (small values exercise the disk path). */
  readonly cacheEntries?: number;
}

/** A backend of `type`; lmdb stores live in a temp directory removed after the test file. */
export function createBackend(type: BackendType, o: BackendOptions = {}): KeyedStateBackend {
  const maxParallelism = o.maxParallelism ?? 128;
  const range = o.range ?? new KeyGroupRange(0, maxParallelism - 1);
  scratch ??= mkdtempSync(join(tmpdir(), 'flink-ts-backends-'));
  const settings = { type, incremental: o.incremental ?? false, localDirectory: scratch, lmdbCacheEntries: o.cacheEntries ?? 64 };
  const b = createKeyedStateBackend(settings, maxParallelism, range, o.clock ?? systemClock);
  created.push(b);
  return b;
}

/** Encodes a pending snapshot to completion and returns its blocks. */
export function finish(snap: PendingKeyedSnapshot): Array<[number, Uint8Array]> {
  if (!snap.encodeUntil(Infinity, () => 0)) throw new Error('snapshot not done');
  return snap.keyGroups();
}

/** A key-group block as restore reads it from a state file. */
export function toBlock(keyGroup: number, bytes: Uint8Array, delta = false): KeyGroupBlock {
  return { keyGroup, bytes, delta, source: { operator: 'test-op', file: 'test.state' } };
}

/** Restores the blocks of `snaps` (a chain: base first) into `to`, key groups it owns only. */
export function restoreChain(to: KeyedStateBackend, snaps: ReadonlyArray<{ blocks: Array<[number, Uint8Array]>; snap: PendingKeyedSnapshot }>): KeyedStateBackend {
  for (const { blocks, snap } of snaps) {
    for (const [kg, bytes] of blocks) if (to.keyGroupRange.contains(kg)) to.restoreKeyGroup(toBlock(kg, bytes, snap.isDelta), snap.kinds);
  }
  return to;
}

/** Full snapshot of `from` restored into a new backend of `type`. */
export function snapshotInto(from: KeyedStateBackend, type: BackendType, o: BackendOptions = {}): KeyedStateBackend {
  const snap = from.snapshot(1, { full: true });
  return restoreChain(createBackend(type, o), [{ blocks: finish(snap), snap }]);
}

/** Every stored entry of every state (values as stored, TTL timestamps included), by state name, in a canonical order. */
export function dumpTables(b: KeyedStateBackend): Record<string, Array<[number, unknown, unknown]>> {
  const out: Record<string, Array<[number, unknown, unknown]>> = {};
  for (const [name, { table }] of b.stateTables()) {
    const rows: Array<[number, unknown, unknown]> = [];
    for (const { keyGroup, key, value } of entriesByKeyGroup(table)) rows.push([keyGroup, key, value]);
    rows.sort((x, y) => x[0] - y[0] || String(x[1]).localeCompare(String(y[1])));
    out[name] = rows;
  }
  return out;
}
