/**
 * Incremental vs full checkpoints of the same keyed state, on each state backend. Every
 * checkpoint goes through the real snapshot driver and file storage (encode, write, fsync,
 * publish `_metadata`) and is confirmed, as the coordinator would. A round, per backend:
 *
 *   full      a self-contained checkpoint (`flink checkpoint --full`; the baseline). Once it is
 *             confirmed the chain starts again, as after any full checkpoint.
 *   base      the first incremental checkpoint after it: a new full base in `shared/`
 *   delta     `churn` of the keys changed, then an incremental checkpoint: a delta of just those
 *   unchanged nothing changed, then an incremental checkpoint: the fixed cost of any checkpoint
 *
 * Checked every round: each checkpoint has the form its label names, the delta holds exactly
 * the keys changed (no other, none deleted) and is at least `minRatio` times smaller than the
 * full one; once per backend, that the full checkpoint and the base+delta chain hold every key.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsCheckpointStorage, SNAPSHOT_FORMAT_VERSION, SNAPSHOT_MAGIC, loadSnapshot, sharedFilePath } from '../src/checkpoint/index.js';
import { SnapshotDriver } from '../src/runtime/checkpointing/snapshot-driver.js';
import {
  type CheckpointResponder,
  KeyGroupRange,
  KeyedStateBackend,
  LmdbStateStore,
  type OperatorStateHandle,
  type TaskAcknowledgement,
  type ValueState,
  ValueStateDescriptor,
  countKeys,
  decodeKeyGroupBlock,
  decodeStateFile,
  PendingOperatorLists,
  encodeLists,
} from '../src/state/index.js';
import { type BenchContext, type BenchParams, type Subject, alternate, defineBench, figure } from './harness/index.js';

interface Params extends BenchParams {
  readonly keys: number;
  /** Fraction of the keys changed between the base and the delta. */
  readonly churn: number;
  /** The delta must be at least this many times smaller than the full checkpoint. */
  readonly minRatio: number;
}

type Form = 'self-contained' | 'shared-full' | 'shared-delta';

/** What one checkpoint wrote. */
interface Written {
  readonly form: Form;
  /** The checkpoint's own file plus, when incremental, the newest file of its chain. */
  readonly bytes: number;
  readonly dir: string;
  readonly handle: OperatorStateHandle;
}

const UID = 'count';
const MAX_PARALLELISM = 128;
type Backend = 'hashmap' | 'lmdb';

/** A deterministic stream of numbers in [0, 1) (mulberry32), so every run changes the same keys. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** One backend with `keys` counts in it, and the checkpoints of it. */
class CheckpointedState {
  readonly backend: KeyedStateBackend;
  private readonly count: ValueState<number>;
  private storage: FsCheckpointStorage | undefined;
  private nextId = 1;
  private round = 0;
  private readonly next = random(42);

  constructor(readonly type: Backend, private readonly dir: string, readonly keys: number) {
    const range = new KeyGroupRange(0, MAX_PARALLELISM - 1);
    const store = type === 'lmdb' ? new LmdbStateStore(join(dir, 'lmdb-local'), range) : undefined;
    this.backend = new KeyedStateBackend(MAX_PARALLELISM, range, { incremental: true, store });
    this.count = this.backend.getOrCreateState<ValueState<number>>(new ValueStateDescriptor<number>('count', 0));
    for (let k = 0; k < keys; k++) this.add(k);
  }

  private add(key: number): void {
    this.backend.setCurrentKey(key);
    this.count.update(this.count.value()! + 1);
  }

  /** Adds one to `n` distinct keys chosen at random; returns them. */
  change(n: number): Set<number> {
    const changed = new Set<number>();
    while (changed.size < n) changed.add(Math.floor(this.next() * this.keys));
    for (const k of changed) this.add(k);
    return changed;
  }

  /** A fresh checkpoint directory for a new round; the last round's is deleted. */
  newRound(): void {
    if (this.storage) rmSync(this.storage.baseDir, { recursive: true, force: true });
    this.storage = new FsCheckpointStorage(join(this.dir, `${this.type}-round-${++this.round}`), `bench-${this.type}`);
  }

  /** Takes, writes, publishes and confirms one checkpoint. */
  async checkpoint(full: boolean): Promise<Written> {
    const storage = this.storage!;
    const id = this.nextId++;
    const acks: TaskAcknowledgement[] = [];
    const responder: CheckpointResponder = {
      acknowledge: (a) => acks.push(a),
      decline: (_id, _task, reason) => {
        throw new Error(reason);
      },
    };
    const driver = new SnapshotDriver(storage, responder);
    const dir = await storage.initializeLocation(id);
    const keyed = this.backend.snapshot(id, { full });
    driver.submit({
      checkpointId: id,
      taskIndex: 0,
      operators: [{ uid: UID, name: 'Count', subtask: 0, parallelism: 1, maxParallelism: MAX_PARALLELISM, lists: PendingOperatorLists.of(encodeLists(new Map())), keyed, empty: false }],
      syncMs: 0,
      alignmentMs: 0,
    });
    while (acks.length === 0) {
      driver.work(Infinity);
      await new Promise((r) => setImmediate(r));
    }
    const handle = acks[0]!.handles[0]!;
    await storage.finalize(id, {
      magic: SNAPSHOT_MAGIC,
      formatVersion: SNAPSHOT_FORMAT_VERSION,
      jobId: storage.jobId,
      jobName: 'bench',
      checkpointId: id,
      kind: full ? 'FULL_CHECKPOINT' : 'CHECKPOINT',
      timestamp: Date.now(),
      operators: [{ uid: UID, name: 'Count', parallelism: 1, maxParallelism: MAX_PARALLELISM, subtasks: [handle] }],
    });
    this.backend.notifyCheckpointComplete(id);
    return { form: keyed.form.kind, bytes: handle.size + (handle.sharedState?.at(-1)?.size ?? 0), dir, handle };
  }

  dispose(): void {
    this.backend.dispose();
  }
}

/** The keys put and deleted by the newest file of a checkpoint's chain (a delta's own blocks). */
function newestDelta(w: Written): { puts: Set<unknown>; deletes: number } {
  const newest = w.handle.sharedState?.at(-1);
  if (!newest) return { puts: new Set(), deletes: 0 };
  const keyGroupRange = KeyGroupRange.forSubtask(MAX_PARALLELISM, 1, 0);
  const file = decodeStateFile(readFileSync(sharedFilePath(w.dir, newest.file)), { file: newest.file, uid: UID, subtask: 0, keyGroupRange });
  const puts = new Set<unknown>();
  let deletes = 0;
  for (const block of file.keyGroups) {
    if (!block.delta || block.bytes.byteLength === 0) continue;
    const doc = decodeKeyGroupBlock(block);
    for (const entries of Object.values(doc.puts)) for (const [k] of entries) puts.add(k);
    for (const keys of Object.values(doc.deletes)) deletes += keys.length;
  }
  return { puts, deletes };
}

/** Keys with a value once a snapshot's blocks (a full file, or a base and its deltas) are applied in order. */
function keysHeld(dir: string): number {
  const blocks = loadSnapshot(dir).files.get(UID)?.get(0)?.keyGroups ?? [];
  return [...countKeys(blocks.filter((b) => b.bytes.byteLength > 0)).values()].reduce((n, k) => n + k, 0);
}

/** The four checkpoints of a round on one backend, each checking it is what its label says. */
function subjects(ctx: BenchContext, p: Params, s: CheckpointedState): Subject<Written>[] {
  const changes = Math.max(1, Math.round(p.keys * p.churn));
  let changed = new Set<number>();
  let fullBytes = 0;
  let heldChecked = false;
  const form = (w: Written, want: Form, label: string) => ctx.check.equal(w.form, want, `the form of the ${s.type} ${label} checkpoint`);
  return [
    {
      label: `${s.type}: full`,
      prepare: () => s.newRound(),
      run: () => s.checkpoint(true),
      verify: (w) => {
        form(w, 'self-contained', 'full');
        fullBytes = w.bytes;
        if (heldChecked) return;
        ctx.check.equal(keysHeld(w.dir), p.keys, `keys held by the ${s.type} full checkpoint`);
      },
    },
    { label: `${s.type}: incremental base`, run: () => s.checkpoint(false), verify: (w) => form(w, 'shared-full', 'first incremental') },
    {
      label: `${s.type}: incremental delta`,
      prepare: () => {
        changed = s.change(changes);
      },
      run: () => s.checkpoint(false),
      verify: (w) => {
        form(w, 'shared-delta', `incremental (${p.churn * 100}% changed)`);
        const delta = newestDelta(w);
        ctx.check.equal(delta.puts.size, changes, `keys in the ${s.type} delta`);
        ctx.check.that([...changed].every((k) => delta.puts.has(k)), `the ${s.type} delta holds every key changed`, 'some are missing');
        ctx.check.equal(delta.deletes, 0, `keys deleted by the ${s.type} delta`);
        ctx.check.atLeast(fullBytes / w.bytes, p.minRatio, `times the ${s.type} delta is smaller than the full checkpoint`);
        if (heldChecked) return;
        ctx.check.equal(keysHeld(w.dir), p.keys, `keys held by the ${s.type} base + delta chain`);
        heldChecked = true;
      },
    },
    {
      label: `${s.type}: nothing changed`,
      run: () => s.checkpoint(false),
      verify: (w) => {
        form(w, 'shared-delta', 'unchanged');
        ctx.check.equal(newestDelta(w).puts.size, 0, `keys in the ${s.type} delta with nothing changed`);
      },
    },
  ];
}

export default defineBench<Params>({
  name: 'incremental',
  description:
    'an incremental checkpoint after 1% of the keys changed, against a full checkpoint of the same state in the same round (size and end-to-end duration: encode, write, fsync, publish), on each state backend.',
  sizes: {
    full: { keys: 1_000_000, churn: 0.01, minRatio: 10, rounds: 5, warmups: 1 },
    smoke: { keys: 20_000, churn: 0.01, minRatio: 10, rounds: 1, warmups: 0 },
  },
  async run(p, ctx) {
    const dir = mkdtempSync(join(tmpdir(), 'flink-ts-bench-incr-'));
    const backends = [new CheckpointedState('hashmap', dir, p.keys), new CheckpointedState('lmdb', dir, p.keys)];
    try {
      const all = backends.flatMap((s) => subjects(ctx, p, s));
      const runs = await alternate(ctx, p, Object.fromEntries(all.map((s) => [s.label, s])), 'fixed');
      const figures = backends.flatMap(({ type }) => {
        const of = (what: string) => runs[`${type}: ${what}`]!;
        const full = `${type} full`;
        const bytes = { label: full, values: of('full').map((r) => r.facts.bytes) };
        const ms = { label: full, values: of('full').map((r) => r.ms) };
        return ['full', 'incremental base', 'incremental delta', 'nothing changed'].flatMap((what) => {
          const isFull = what === 'full';
          const label = isFull ? full : `${type} ${what}`;
          return [
            figure(`${label}: size`, 'bytes', of(what).map((r) => r.facts.bytes), ...(isFull ? [] : [bytes])),
            figure(`${label}: duration`, 'ms', of(what).map((r) => r.ms), ...(isFull ? [] : [ms])),
          ];
        });
      });
      return {
        title: `incremental checkpoints: ${p.keys.toLocaleString('en-US')} keys, ${(p.churn * 100).toLocaleString('en-US')}% changed between checkpoints`,
        figures,
      };
    } finally {
      for (const b of backends) b.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  },
});
