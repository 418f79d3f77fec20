/**
 * Incremental vs full checkpoints: 1M keys of keyed state, of which 1% change between two
 * checkpoints, on each state backend. Each checkpoint goes through the real snapshot driver and
 * file storage (encode, write, fsync, publish `_metadata`). Figures: size and duration of a full
 * checkpoint (the baseline, measured in the same run), of the incremental one after it, and of
 * one with nothing changed (the fixed cost every checkpoint pays).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { FsCheckpointStorage, SNAPSHOT_FORMAT_VERSION, SNAPSHOT_MAGIC } from '../src/checkpoint/index.js';
import { SnapshotDriver } from '../src/runtime/checkpointing/snapshot-driver.js';
import {
  type CheckpointResponder,
  KeyGroupRange,
  KeyedStateBackend,
  LmdbStateStore,
  type TaskAcknowledgement,
  ValueStateDescriptor,
  type ValueState,
  encodeLists,
} from '../src/state/index.js';

const KEYS = Number(process.env.BENCH_KEYS ?? 1_000_000);
const CHANGED = Math.max(1, Math.floor(KEYS / 100));

interface Figures {
  readonly bytes: number;
  readonly ms: number;
}

async function checkpoint(storage: FsCheckpointStorage, backend: KeyedStateBackend, id: number, full: boolean): Promise<Figures> {
  const acks: TaskAcknowledgement[] = [];
  const responder: CheckpointResponder = { acknowledge: (a) => acks.push(a), decline: (_, __, r) => { throw new Error(r); } };
  const driver = new SnapshotDriver(storage, responder);
  const start = performance.now();
  await storage.initializeLocation(id);
  const keyed = backend.snapshot(id, { full });
  driver.submit({
    checkpointId: id,
    taskIndex: 0,
    operators: [{ uid: 'count', name: 'Count', subtask: 0, parallelism: 1, maxParallelism: 128, lists: encodeLists(new Map()), timers: [], keyed, empty: false }],
    syncMs: 0,
    alignmentMs: 0,
  });
  while (acks.length === 0) {
    driver.work(Infinity);
    await new Promise((r) => setImmediate(r));
  }
  const handles = acks[0]!.handles;
  await storage.finalize(id, {
    magic: SNAPSHOT_MAGIC,
    formatVersion: SNAPSHOT_FORMAT_VERSION,
    jobId: storage.jobId,
    jobName: 'bench',
    checkpointId: id,
    kind: full ? 'FULL_CHECKPOINT' : 'CHECKPOINT',
    timestamp: Date.now(),
    operators: [{ uid: 'count', name: 'Count', parallelism: 1, maxParallelism: 128, subtasks: handles }],
  });
  backend.notifyCheckpointComplete(id);
  const ms = performance.now() - start;
  // What this checkpoint wrote: its own file plus, when incremental, the newest file of its chain.
  const bytes = handles.reduce((n, h) => n + h.size + (h.sharedState?.at(-1)?.size ?? 0), 0);
  return { bytes, ms };
}

function update(backend: KeyedStateBackend, keys: Iterable<number>, delta: number): void {
  const count = backend.getOrCreateState<ValueState<number>>(new ValueStateDescriptor<number>('count', 0));
  for (const k of keys) {
    backend.setCurrentKey(k);
    count.update(count.value()! + delta);
  }
}

async function one(type: 'hashmap' | 'lmdb', dir: string): Promise<void> {
  const range = new KeyGroupRange(0, 127);
  const store = type === 'lmdb' ? new LmdbStateStore(join(dir, 'lmdb'), range) : undefined;
  const backend = new KeyedStateBackend(128, range, { incremental: true, store });
  const storage = new FsCheckpointStorage(join(dir, type), `bench-${type}`);
  update(backend, { [Symbol.iterator]: function* () { for (let k = 0; k < KEYS; k++) yield k; } }, 1);
  // The first incremental checkpoint is a full base; then 1% of the keys change per interval.
  const base = await checkpoint(storage, backend, 1, false);
  // The fixed cost of any checkpoint (files, fsyncs, _metadata): a delta with nothing in it.
  const empty = await checkpoint(storage, backend, 2, false);
  const changed = () => Array.from({ length: CHANGED }, () => Math.floor(Math.random() * KEYS));
  update(backend, changed(), 1);
  const full = await checkpoint(storage, backend, 3, true);
  update(backend, changed(), 1);
  const incremental = await checkpoint(storage, backend, 4, false);
  backend.dispose();
  const mib = (b: number) => `${(b / 1024 / 1024).toFixed(2)} MiB`;
  console.log(`  ${type.padEnd(8)} full (baseline)  ${mib(full.bytes).padStart(10)}  ${full.ms.toFixed(0).padStart(6)} ms`);
  console.log(`  ${type.padEnd(8)} base (1st incr.) ${mib(base.bytes).padStart(10)}  ${base.ms.toFixed(0).padStart(6)} ms`);
  console.log(`  ${type.padEnd(8)} nothing changed  ${mib(empty.bytes).padStart(10)}  ${empty.ms.toFixed(0).padStart(6)} ms  (the fixed cost of a checkpoint)`);
  console.log(
    `  ${type.padEnd(8)} incremental      ${mib(incremental.bytes).padStart(10)}  ${incremental.ms.toFixed(0).padStart(6)} ms  ` +
      `${(full.bytes / incremental.bytes).toFixed(1)}x smaller, ${(full.ms / incremental.ms).toFixed(1)}x faster than full`,
  );
}

export async function incrementalCheckpointBench(): Promise<void> {
  console.log(`\nIncremental checkpoint: ${KEYS.toLocaleString('en-US')} keys, ${CHANGED.toLocaleString('en-US')} (1%) changed per interval`);
  const dir = mkdtempSync(join(tmpdir(), 'flink-ts-bench-incr-'));
  try {
    await one('hashmap', dir);
    await one('lmdb', dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
