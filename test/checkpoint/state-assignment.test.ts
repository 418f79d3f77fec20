import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { LoadedSnapshot } from '../../src/checkpoint/snapshot-loader.js';
import { SnapshotRestoreError } from '../../src/checkpoint/snapshot-loader.js';
import { SNAPSHOT_FORMAT_VERSION, SNAPSHOT_MAGIC, type OperatorMetadata } from '../../src/checkpoint/snapshot-metadata.js';
import { assignState } from '../../src/checkpoint/state-assignment.js';
import { assignToKeyGroup } from '../../src/state/index.js';
import type { JobGraph } from '../../src/graph/index.js';
import {
  AvroSerializer,
  type KeyGroupBlock,
  KeyGroupRange,
  type KeyedStateBackend,
  type OperatorLists,
  type RestoreAssignment,
  type StateFileContent,
  type StoredTimer,
  type ValueState,
  ValueStateDescriptor,
} from '../../src/state/index.js';
import { pack } from '../../src/util/binary-codec.js';
import { FlinkError } from '../../src/util/errors.js';
import { BACKENDS, type BackendType, createBackend, finish, toBlock } from '../state/backends.js';

const MAX_P = 128;

interface Node {
  uid: string;
  name?: string;
  parallelism: number;
  maxParallelism?: number;
  keyed: boolean;
}

/**
 * A job with just what assignState reads: its nodes' uid, name, parallelism, max parallelism,
 * keyedness, and its vertices (each node its own chain, unless `chains` groups uids).
 */
function graph(...nodes: Node[]): JobGraph {
  return chainedGraph(nodes.map((n) => [n]));
}

function chainedGraph(chains: Node[][]): JobGraph {
  const full = chains.map((c) => c.map((n) => ({ name: `op ${n.uid}`, maxParallelism: MAX_P, ...n })));
  return {
    streamGraph: { nodes: full.flat() },
    vertices: full.map((c) => ({ maxParallelism: c[0]!.maxParallelism, parallelism: c[0]!.parallelism, nodes: c })),
  } as unknown as JobGraph;
}

function content(parts: Partial<Omit<StateFileContent, 'keyGroups'>> & { keyGroups?: Array<[number, Uint8Array]> }): StateFileContent {
  return { kinds: {}, legacyTimers: [], lists: new Map(), ...parts, keyGroups: (parts.keyGroups ?? []).map(([kg, bytes]) => block(kg, bytes)) };
}

function block(keyGroup: number, bytes: Uint8Array): KeyGroupBlock {
  return { keyGroup, bytes, delta: false, source: { operator: 'count', file: 'op-count-0.state' } };
}

/** A loaded snapshot of operators, each with the given state per old subtask. */
function snapshot(ops: Array<{ uid: string; maxParallelism?: number; subtasks: StateFileContent[] }>): LoadedSnapshot {
  const operators: OperatorMetadata[] = ops.map((o) => ({
    uid: o.uid,
    name: `old ${o.uid}`,
    parallelism: o.subtasks.length,
    maxParallelism: o.maxParallelism ?? MAX_P,
    subtasks: o.subtasks.map((_, i) => ({
      uid: o.uid,
      name: `old ${o.uid}`,
      subtask: i,
      parallelism: o.subtasks.length,
      maxParallelism: o.maxParallelism ?? MAX_P,
      file: `op-${o.uid}-${i}.state`,
      size: 1,
      checksum: '0'.repeat(64),
      keyGroupRange: null,
      stateNames: [],
    })),
  }));
  return {
    dir: '/snapshots/chk-7',
    metadata: {
      magic: SNAPSHOT_MAGIC,
      formatVersion: SNAPSHOT_FORMAT_VERSION,
      jobId: 'j',
      jobName: 'job',
      checkpointId: 7,
      kind: 'CHECKPOINT',
      timestamp: 0,
      operators,
    },
    files: new Map(ops.map((o) => [o.uid, new Map(o.subtasks.map((c, i) => [i, c]))])),
  };
}

/** What assignment gives subtasks 0..parallelism-1 of `uid`, as state-file contents (for the next round). */
function assignedFiles(assign: RestoreAssignment, uid: string, parallelism: number): StateFileContent[] {
  return Array.from({ length: parallelism }, (_, i) => {
    const s = assign(uid, i);
    assert.ok(s, `subtask ${i} of ${uid} gets state`);
    return { kinds: s.kinds, keyGroups: [...s.keyGroups], legacyTimers: [...s.legacyTimers], lists: s.lists };
  });
}

function checkKeyGroups(files: StateFileContent[], parallelism: number): void {
  const seen = new Map<number, number>();
  files.forEach((f, i) => {
    const range = KeyGroupRange.forSubtask(MAX_P, parallelism, i);
    for (const { keyGroup: kg, bytes } of f.keyGroups) {
      assert.ok(range.contains(kg), `key group ${kg} assigned to subtask ${i} owning ${range.start}-${range.end}`);
      assert.deepEqual(bytes, pack({ count: [[`key-${kg}`, kg]] }), `key group ${kg} keeps its bytes`);
      seen.set(kg, (seen.get(kg) ?? 0) + 1);
    }
    for (const [, , kg] of f.legacyTimers) assert.ok(range.contains(kg), `timer of key group ${kg} goes with its key group`);
  });
  assert.equal(seen.size, MAX_P, 'every key group is assigned');
  assert.ok([...seen.values()].every((n) => n === 1), 'every key group is assigned exactly once');
}

/** Metadata of a plain value state written with the default serializer. */
const VALUE_META = { kind: 'value' as const, ttl: false, serializer: { name: 'msgpack', version: 1 } };

describe('assignState', () => {
  test('keyed state redistributes by key group 1 → 4 → 2, each key group exactly once, timers with it', () => {
    const keyGroups: Array<[number, Uint8Array]> = Array.from({ length: MAX_P }, (_, kg) => [kg, pack({ count: [[`key-${kg}`, kg]] })]);
    const timers: StoredTimer[] = Array.from({ length: MAX_P }, (_, kg) => [1000 + kg, `key-${kg}`, kg]);
    const snap1 = snapshot([{ uid: 'count', subtasks: [content({ kinds: { count: VALUE_META }, keyGroups, legacyTimers: timers })] }]);

    const to4 = assignState(snap1, graph({ uid: 'count', parallelism: 4, keyed: true }), { allowNonRestoredState: false });
    const files4 = assignedFiles(to4, 'count', 4);
    checkKeyGroups(files4, 4);
    assert.deepEqual(files4.map((f) => f.keyGroups.length), [32, 32, 32, 32]);
    assert.deepEqual(files4.map((f) => f.legacyTimers.length), [32, 32, 32, 32]);
    assert.ok(files4.every((f) => f.kinds.count?.kind === 'value'), 'state kinds go to every subtask');
    assert.equal(to4('count', 4), undefined);

    const to2 = assignState(snapshot([{ uid: 'count', subtasks: files4 }]), graph({ uid: 'count', parallelism: 2, keyed: true }), {
      allowNonRestoredState: false,
    });
    const files2 = assignedFiles(to2, 'count', 2);
    checkKeyGroups(files2, 2);
    assert.deepEqual(files2.map((f) => f.keyGroups.length), [64, 64]);
    assert.deepEqual(
      files2.flatMap((f) => f.legacyTimers).sort((a, b) => a[2] - b[2]),
      timers,
      'no timer is lost or duplicated',
    );
  });

  test('an uneven parallelism (3) still assigns every key group exactly once', () => {
    const keyGroups: Array<[number, Uint8Array]> = Array.from({ length: MAX_P }, (_, kg) => [kg, pack({ count: [[`key-${kg}`, kg]] })]);
    const a = assignState(snapshot([{ uid: 'k', subtasks: [content({ keyGroups })] }]), graph({ uid: 'k', parallelism: 3, keyed: true }), {
      allowNonRestoredState: false,
    });
    checkKeyGroups(assignedFiles(a, 'k', 3), 3);
  });

  test("split list state is dealt out in runs, in order, the first subtasks one more (Flink's round-robin repartitioner), nothing lost or duplicated", () => {
    const lists = (values: unknown[]): OperatorLists => new Map([['_splits', { mode: 'split' as const, values }]]);
    const snap = snapshot([{ uid: 'src', subtasks: [content({ lists: lists(['a', 'b', 'c', 'd']) }), content({ lists: lists(['e', 'f', 'g', 'h', 'i', 'j']) })] }]);
    const a = assignState(snap, graph({ uid: 'src', parallelism: 3, keyed: false }), { allowNonRestoredState: false });
    const parts = [0, 1, 2].map((i) => a('src', i)!.lists.get('_splits')!);
    assert.ok(parts.every((p) => p.mode === 'split'));
    assert.deepEqual(parts.map((p) => p.values.length), [4, 3, 3]);
    assert.deepEqual(parts.flatMap((p) => p.values), ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j']);

    // Scaling up beyond the number of entries: some subtasks get an empty list.
    const wide = assignState(snap, graph({ uid: 'src', parallelism: 16, keyed: false }), { allowNonRestoredState: false });
    const wideParts = Array.from({ length: 16 }, (_, i) => wide('src', i)!.lists.get('_splits')!.values);
    assert.equal(wideParts.flat().length, 10);
    assert.ok(wideParts.every((p) => p.length <= 1));
  });

  test("at an unchanged parallelism each subtask gets its own split list state back (Flink's RoundRobinOperatorStateRepartitioner), union state still whole", () => {
    const lists = (split: unknown[], union: unknown[]): OperatorLists =>
      new Map([
        ['counts', { mode: 'split' as const, values: split }],
        ['seen', { mode: 'union' as const, values: union }],
      ]);
    // Uneven on purpose: an even split would hand subtask 0's entries to subtask 1.
    const snap = snapshot([{ uid: 'op', subtasks: [content({ lists: lists(['a', 'b', 'c'], [1]) }), content({ lists: lists([], [2]) }), content({ lists: lists(['d'], []) })] }]);
    const a = assignState(snap, graph({ uid: 'op', parallelism: 3, keyed: false }), { allowNonRestoredState: false });
    assert.deepEqual([0, 1, 2].map((i) => a('op', i)!.lists.get('counts')), [
      { mode: 'split', values: ['a', 'b', 'c'] },
      { mode: 'split', values: [] },
      { mode: 'split', values: ['d'] },
    ]);
    for (let i = 0; i < 3; i++) assert.deepEqual(a('op', i)!.lists.get('seen'), { mode: 'union', values: [1, 2] });
    // A changed parallelism deals them out: 4 elements over 2.
    const two = assignState(snap, graph({ uid: 'op', parallelism: 2, keyed: false }), { allowNonRestoredState: false });
    assert.deepEqual([0, 1].map((i) => two('op', i)!.lists.get('counts')!.values), [['a', 'b'], ['c', 'd']]);
  });

  test('restoring 3 → 2 → 5: key groups by range, list state dealt in runs, union state whole, broadcast copies round robin, at every step', () => {
    const keyGroups: Array<[number, Uint8Array]> = Array.from({ length: MAX_P }, (_, kg) => [kg, pack({ count: [[`key-${kg}`, kg]] })]);
    // Parallelism 3 as a job would have written it: each subtask its own key-group range.
    const at3 = [0, 1, 2].map((i) => {
      const range = KeyGroupRange.forSubtask(MAX_P, 3, i);
      const lists: OperatorLists = new Map<string, { mode: 'split' | 'union' | 'broadcast'; values: unknown[] }>([
        ['offsets', { mode: 'split', values: [['e0', 'e1', 'e2'], ['e3', 'e4'], ['e5', 'e6']][i]! }],
        ['seen', { mode: 'union', values: [`u${i}`] }],
        ['rules', { mode: 'broadcast', values: [['rule', `copy${i}`]] }],
      ]);
      return content({ kinds: { count: VALUE_META }, keyGroups: keyGroups.filter(([kg]) => range.contains(kg)), lists });
    });
    const restore = (files: StateFileContent[], parallelism: number) =>
      assignedFiles(assignState(snapshot([{ uid: 'op', subtasks: files }]), graph({ uid: 'op', parallelism, keyed: true }), { allowNonRestoredState: false }), 'op', parallelism);
    const listsOf = (files: StateFileContent[], name: string) => files.map((f) => f.lists.get(name)!.values);

    const at2 = restore(at3, 2);
    checkKeyGroups(at2, 2);
    assert.deepEqual(listsOf(at2, 'offsets'), [['e0', 'e1', 'e2', 'e3'], ['e4', 'e5', 'e6']]);
    assert.deepEqual(listsOf(at2, 'seen'), [['u0', 'u1', 'u2'], ['u0', 'u1', 'u2']]);
    assert.deepEqual(listsOf(at2, 'rules'), [[['rule', 'copy0']], [['rule', 'copy1']]]);

    const at5 = restore(at2, 5);
    checkKeyGroups(at5, 5);
    assert.deepEqual(listsOf(at5, 'offsets'), [['e0', 'e1'], ['e2', 'e3'], ['e4'], ['e5'], ['e6']]);
    // Each subtask at 2 wrote back the whole union it was given: as in Flink, the next restore
    // hands out both copies (a function keeps only its share to avoid that).
    for (const seen of listsOf(at5, 'seen')) assert.deepEqual(seen, ['u0', 'u1', 'u2', 'u0', 'u1', 'u2']);
    assert.deepEqual(listsOf(at5, 'rules'), [0, 1, 0, 1, 0].map((i) => [['rule', `copy${i}`]]));
  });

  test("every subtask gets the key types of the whole operator's keys (union over the old subtasks); none if a file with key groups did not record them", () => {
    const bytes = pack({ count: [['a', 1]] });
    const recorded = snapshot([
      {
        uid: 'count',
        subtasks: [
          content({ keyGroups: [[3, bytes]], keyKinds: [['string', 'a']] }),
          content({ keyGroups: [[100, pack({ count: [[7, 1]] })]], keyKinds: [['number', 7], ['string', 'b']] }),
          content({}),
        ],
      },
    ]);
    const assign = assignState(recorded, graph({ uid: 'count', parallelism: 2, keyed: true }), { allowNonRestoredState: false });
    for (const i of [0, 1]) assert.deepEqual(assign('count', i)!.keyKinds, [['string', 'a'], ['number', 7]]);
    const older = snapshot([{ uid: 'count', subtasks: [content({ keyGroups: [[3, bytes]], keyKinds: [['string', 'a']] }), content({ keyGroups: [[100, bytes]] })] }]);
    const unknown = assignState(older, graph({ uid: 'count', parallelism: 2, keyed: true }), { allowNonRestoredState: false });
    for (const i of [0, 1]) assert.equal(unknown('count', i)!.keyKinds, undefined);
  });

  test('union list state goes whole to every subtask', () => {
    const union = (values: unknown[]): OperatorLists => new Map([['offsets', { mode: 'union' as const, values }]]);
    const snap = snapshot([{ uid: 'u', subtasks: [content({ lists: union([1, 2]) }), content({ lists: union([3]) })] }]);
    const a = assignState(snap, graph({ uid: 'u', parallelism: 3, keyed: false }), { allowNonRestoredState: false });
    for (let i = 0; i < 3; i++) assert.deepEqual(a('u', i)!.lists.get('offsets'), { mode: 'union', values: [1, 2, 3] });
    // Each subtask has its own copy.
    a('u', 0)!.lists.get('offsets')!.values.push(99);
    assert.deepEqual(a('u', 1)!.lists.get('offsets')!.values, [1, 2, 3]);
  });

  test("broadcast state: each new subtask gets one old subtask's copy, round robin (Flink's rule), at any parallelism", () => {
    const copy = (tag: string): OperatorLists => new Map([['rules', { mode: 'broadcast' as const, values: [['r', tag]] }]]);
    const snap = snapshot([{ uid: 'bc', subtasks: [content({ lists: copy('old0') }), content({ lists: copy('old1') })] }]);
    for (const parallelism of [1, 2, 3, 5]) {
      const assign = assignState(snap, graph({ uid: 'bc', parallelism, keyed: true }), { allowNonRestoredState: false });
      const got = Array.from({ length: parallelism }, (_, i) => assign('bc', i)!.lists.get('rules'));
      assert.deepEqual(
        got,
        Array.from({ length: parallelism }, (_, i) => ({ mode: 'broadcast', values: [['r', `old${i % 2}`]] })),
        `parallelism ${parallelism}`,
      );
    }
  });

  test('state of an operator the job no longer has is refused, naming the uid, unless allowNonRestoredState', () => {
    const snap = snapshot([
      { uid: 'kept', subtasks: [content({})] },
      { uid: 'gone-operator', subtasks: [content({ lists: new Map([['x', { mode: 'split' as const, values: [1] }]]) })] },
    ]);
    const g = graph({ uid: 'kept', parallelism: 1, keyed: false });
    assert.throws(
      () => assignState(snap, g, { allowNonRestoredState: false }),
      (err: unknown) => {
        assert.ok(err instanceof SnapshotRestoreError);
        assert.equal(err.code, 'snapshot.unmappedState');
        assert.match(err.message, /'gone-operator'/);
        assert.match(err.message, /\/snapshots\/chk-7/);
        assert.match(err.message, /-n \(--allowNonRestoredState\)/);
        return true;
      },
    );
    const a = assignState(snap, g, { allowNonRestoredState: true });
    assert.ok(a('kept', 0));
    assert.equal(a('gone-operator', 0), undefined);
  });

  test("an operator recorded without state (it shared a task with state) is restored empty on every subtask at any parallelism, and blocks nothing when gone or at another max parallelism (Flink skips empty state)", () => {
    const snap = snapshot([{ uid: 'kept', subtasks: [content({})] }]);
    const recorded: LoadedSnapshot = {
      ...snap,
      metadata: { ...snap.metadata, operators: [...snap.metadata.operators, { uid: 'quiet', name: 'old quiet', parallelism: 2, maxParallelism: MAX_P, subtasks: [] }] },
    };
    const a = assignState(recorded, graph({ uid: 'kept', parallelism: 1, keyed: false }, { uid: 'quiet', parallelism: 3, keyed: true }), { allowNonRestoredState: false });
    for (let i = 0; i < 3; i++) {
      const s = a('quiet', i);
      assert.ok(s, `subtask ${i} is restored`);
      assert.deepEqual([s.keyGroups, s.legacyTimers, [...s.lists.keys()]], [[], [], []], 'with nothing in it');
    }
    assert.doesNotThrow(() => assignState(recorded, graph({ uid: 'kept', parallelism: 1, keyed: false }), { allowNonRestoredState: false }), 'gone');
    const otherMax = graph({ uid: 'kept', parallelism: 1, keyed: false }, { uid: 'quiet', parallelism: 2, maxParallelism: 256, keyed: true });
    assert.ok(assignState(recorded, otherMax, { allowNonRestoredState: false })('quiet', 1), 'another max parallelism: no key group to misplace');
  });

  test('an operator of the job that the snapshot lacks starts empty', () => {
    const a = assignState(
      snapshot([{ uid: 'a', subtasks: [content({})] }]),
      graph({ uid: 'a', parallelism: 1, keyed: false }, { uid: 'new-op', parallelism: 2, keyed: true }),
      { allowNonRestoredState: false },
    );
    assert.equal(a('new-op', 0), undefined);
    assert.equal(a('new-op', 1), undefined);
  });

  test('a changed max parallelism is refused', () => {
    const snap = snapshot([{ uid: 'k', maxParallelism: 128, subtasks: [content({ keyGroups: [[3, pack({})]] })] }]);
    assert.throws(
      () => assignState(snap, graph({ uid: 'k', parallelism: 2, maxParallelism: 256, keyed: true }), { allowNonRestoredState: true }),
      (err: unknown) => {
        assert.ok(err instanceof SnapshotRestoreError);
        assert.equal(err.code, 'snapshot.maxParallelismChanged');
        assert.match(err.message, /max parallelism 256/);
        assert.match(err.message, /written with 128/);
        assert.match(err.message, /back to 128 \(setMaxParallelism, or pipeline\.max-parallelism/);
        assert.match(err.message, /Keyed state is partitioned into max-parallelism key groups/);
        return true;
      },
    );
    // An operator without keyed state (a source's splits) is refused too, as in Flink, without talk of key groups.
    const lists = snapshot([{ uid: 's', maxParallelism: 128, subtasks: [content({ lists: new Map([['_splits', { mode: 'split' as const, values: ['a'] }]]) })] }]);
    assert.throws(
      () => assignState(lists, graph({ uid: 's', parallelism: 1, maxParallelism: 256, keyed: false }), { allowNonRestoredState: true }),
      (err: unknown) => {
        assert.ok(err instanceof SnapshotRestoreError);
        assert.equal(err.code, 'snapshot.maxParallelismChanged');
        assert.doesNotMatch(err.message, /key group/);
        assert.match(err.message, /cannot change across a restore; set the operator's max parallelism back to 128/);
        return true;
      },
    );
  });

  test("an operator chained after another is checked against its chain's max parallelism (the job vertex's, as in Flink), not its own setting", () => {
    const snap = snapshot([{ uid: 'm', maxParallelism: 64, subtasks: [content({ lists: new Map() })] }]);
    const chained = (own: number) =>
      chainedGraph([[{ uid: 'src', parallelism: 1, maxParallelism: 64, keyed: false }, { uid: 'm', parallelism: 1, maxParallelism: own, keyed: false }]]);
    // Its own setting differs from its chain's: the chain's is what it ran and runs with.
    assert.doesNotThrow(() => assignState(snap, chained(512), { allowNonRestoredState: false }));
    const moved = chainedGraph([[{ uid: 'src', parallelism: 1, maxParallelism: 32, keyed: false }, { uid: 'm', parallelism: 1, maxParallelism: 64, keyed: false }]]);
    assert.throws(() => assignState(snap, moved, { allowNonRestoredState: false }), /'m' \(op m\) has max parallelism 32, but its state was written with 64/);
  });

  test('a key group beyond the max parallelism is refused, never dropped', () => {
    for (const c of [content({ keyGroups: [[MAX_P, pack({ v: [['k', 1]] })]] }), content({ legacyTimers: [[1, 'k', MAX_P + 5]] })]) {
      assert.throws(
        () => assignState(snapshot([{ uid: 'count', subtasks: [c] }]), graph({ uid: 'count', parallelism: 2, keyed: true }), { allowNonRestoredState: false }),
        (err: unknown) => {
          assert.ok(err instanceof SnapshotRestoreError);
          assert.match(err.message, /operator 'count': it holds key group 1(28|33), outside its 128 key groups/);
          return true;
        },
      );
    }
  });

  test('keyed state (or timers) into an operator that is no longer keyed is refused', () => {
    for (const c of [content({ keyGroups: [[5, pack({ v: [['k', 1]] })]] }), content({ legacyTimers: [[1, 'k', 5]] })]) {
      assert.throws(
        () => assignState(snapshot([{ uid: 'op', subtasks: [c] }]), graph({ uid: 'op', parallelism: 1, keyed: false }), { allowNonRestoredState: false }),
        (err: unknown) => {
          assert.ok(err instanceof SnapshotRestoreError);
          assert.match(err.message, /'op'.*had keyed state.*no longer applied to a keyed stream/);
          return true;
        },
      );
    }
    // Operator list state alone fits a non-keyed operator.
    const lists: OperatorLists = new Map([['x', { mode: 'split' as const, values: [1] }]]);
    assert.ok(assignState(snapshot([{ uid: 'op', subtasks: [content({ lists })] }]), graph({ uid: 'op', parallelism: 1, keyed: false }), { allowNonRestoredState: false })('op', 0));
  });
});

/*
 * A state registered lazily (getState in processElement, a window's windowState()) is migrated
 * only on the subtasks that register it before a checkpoint: the others' snapshots still record
 * the old writer. Flink reads each subtask's keyed state handle with the serializer snapshot of
 * that handle; so must we, at any parallelism, and a subtask that gets key groups of both kinds
 * (scaled in) must read each with its own writer, also through a snapshot taken before the
 * state is registered again.
 */
for (const type of BACKENDS) {
  describe(`a state migrated on some subtasks only, restored [${type}]`, () => {
    const V1 = { type: 'record', name: 'Acct', fields: [{ name: 'a', type: 'int' }, { name: 'b', type: 'int' }] };
    // Fields reordered: V2 bytes read as V1 would swap a and b (or fail), not only lose c.
    const V2 = { type: 'record', name: 'Acct', fields: [{ name: 'b', type: 'long' }, { name: 'a', type: 'int' }, { name: 'c', type: 'string', default: 'none' }] };
    const KEYS = 60;
    const acct = (schema: Record<string, unknown>) => new ValueStateDescriptor<unknown>('acct').setSerializer(AvroSerializer.of(schema));

    /** The subtasks' snapshots of `backends` as state files of operator 'acct-op'. */
    const files = (backends: KeyedStateBackend[], id: number): StateFileContent[] =>
      backends.map((b) => {
        const snap = b.snapshot(id, { full: true });
        return { kinds: snap.kinds, keyGroups: finish(snap).map(([kg, bytes]) => toBlock(kg, bytes)), legacyTimers: [], lists: new Map() };
      });

    /** Restores `from` into `parallelism` new backends of `type`. */
    const restore = (from: StateFileContent[], parallelism: number): KeyedStateBackend[] => {
      const assign = assignState(snapshot([{ uid: 'acct-op', subtasks: from }]), graph({ uid: 'acct-op', parallelism, keyed: true }), { allowNonRestoredState: false });
      return Array.from({ length: parallelism }, (_, i) => {
        const b = createBackend(type as BackendType, { range: KeyGroupRange.forSubtask(MAX_P, parallelism, i) });
        const s = assign('acct-op', i)!;
        for (const block of s.keyGroups) b.restoreKeyGroup(block, s.kinds);
        return b;
      });
    };

    /** Every key's value, read with V2 on whichever backend owns it. */
    const readAll = (backends: KeyedStateBackend[]): unknown[] =>
      Array.from({ length: KEYS }, (_, k) => {
        const b = backends.find((x) => x.keyGroupRange.contains(assignToKeyGroup(k, MAX_P)))!;
        const s = b.getOrCreateState<ValueState<unknown>>(acct(V2));
        b.setCurrentKey(k);
        return s.value();
      });

    /** Snapshot B: written with V1 at parallelism 2, restored, then only subtask 0 registers V2 (and updates key 0's value if it owns it). */
    const mixed = (): StateFileContent[] => {
      const first = [0, 1].map((i) => createBackend(type as BackendType, { range: KeyGroupRange.forSubtask(MAX_P, 2, i) }));
      for (let k = 0; k < KEYS; k++) {
        const b = first.find((x) => x.keyGroupRange.contains(assignToKeyGroup(k, MAX_P)))!;
        const s = b.getOrCreateState<ValueState<unknown>>(acct(V1));
        b.setCurrentKey(k);
        s.update({ a: k, b: 1000 + k });
      }
      const second = restore(files(first, 1), 2);
      second[0]!.getOrCreateState<ValueState<unknown>>(acct(V2));
      const out = files(second, 2);
      assert.notDeepEqual(out[0]!.kinds.acct!.serializer, out[1]!.kinds.acct!.serializer, 'the two subtasks recorded different writers');
      return out;
    };
    const expected = Array.from({ length: KEYS }, (_, k) => ({ b: 1000 + k, a: k, c: 'none' }));

    test('at the same parallelism, each subtask reads its key groups with the writer its own file records', () => {
      assert.deepEqual(readAll(restore(mixed(), 2)), expected);
    });

    test('scaled in to one subtask (key groups of both writers in one backend), and out to three', () => {
      assert.deepEqual(readAll(restore(mixed(), 1)), expected);
      assert.deepEqual(readAll(restore(mixed(), 3)), expected);
    });

    test('key groups written by Avro on one subtask and by the default serializer on another are refused in one typed line naming the state', () => {
      const [avro, plain] = [acct(V1), new ValueStateDescriptor<unknown>('acct')].map((d, i) => {
        const b = createBackend(type as BackendType, { range: KeyGroupRange.forSubtask(MAX_P, 2, i) });
        const s = b.getOrCreateState<ValueState<unknown>>(d);
        const k = Array.from({ length: KEYS }, (_, x) => x).find((x) => b.keyGroupRange.contains(assignToKeyGroup(x, MAX_P)))!;
        b.setCurrentKey(k);
        s.update({ a: 1, b: 2 });
        return files([b], 1)[0]!;
      });
      assert.throws(() => restore([avro!, plain!], 1), (err: unknown) => {
        assert.ok(err instanceof FlinkError, String(err));
        assert.match(err.message, /^State 'acct' cannot be restored: key group \d+ .*written by the (avro|msgpack) serializer and others by the (msgpack|avro) serializer.*new state name\.$/);
        return true;
      });
    });

    test('scaled in, then checkpointed before the state is registered again: the next restore still reads every key', () => {
      const unregistered = restore(mixed(), 1);
      assert.deepEqual(readAll(restore(files(unregistered, 3), 2)), expected);
      assert.deepEqual(readAll(restore(files(unregistered, 3), 1)), expected);
    });
  });
}
