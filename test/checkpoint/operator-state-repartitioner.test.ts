/**
 * Operator state (list, union list, broadcast) dealt out to a new parallelism, on the cases of
 * Flink's StateAssignmentOperationTest and CheckpointCoordinatorTest#testPartitionableStateRepartitioning,
 * with the exact assignment of Flink's RoundRobinOperatorStateRepartitioner.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { javaHashMapOrder, repartitionOperatorLists } from '../../src/checkpoint/operator-state-repartitioner.js';
import type { OperatorLists, OperatorStateMode } from '../../src/state/index.js';
import { seededRandom } from '../helpers/seeded-random.js';

function lists(entries: Record<string, [OperatorStateMode, unknown[]]>): OperatorLists {
  return new Map(Object.entries(entries).map(([name, [mode, values]]) => [name, { mode, values }]));
}

/** Each new subtask's lists as plain `name → values`, for comparing. */
function plain(result: OperatorLists[]): Array<Record<string, unknown[]>> {
  return result.map((l) => Object.fromEntries([...l].map(([name, { values }]) => [name, values])));
}

describe('repartitionOperatorLists', () => {
  test("split list state, two old subtasks with one state each (StateAssignmentOperationTest#testRepartitionSplitDistributeStates): 2 → 3, 2 → 1, 2 → 2", () => {
    const old = [lists({ 't-1': ['split', ['a0', 'a1']] }), lists({ 't-2': ['split', ['b0', 'b1']] })];
    // Flink walks t-2 before t-1 (its HashMap's order): t-2's two elements go to subtasks 0 and
    // 1, t-1's then start at subtask 2 and wrap to 0 — one element per subtask holding a state.
    assert.deepEqual(plain(repartitionOperatorLists(old, 3)), [
      { 't-1': ['a1'], 't-2': ['b0'] },
      { 't-1': [], 't-2': ['b1'] },
      { 't-1': ['a0'], 't-2': [] },
    ]);
    assert.deepEqual(plain(repartitionOperatorLists(old, 1)), [{ 't-1': ['a0', 'a1'], 't-2': ['b0', 'b1'] }]);
    // Unchanged parallelism: each subtask its own.
    assert.deepEqual(plain(repartitionOperatorLists(old, 2)), [
      { 't-1': ['a0', 'a1'], 't-2': [] },
      { 't-1': [], 't-2': ['b0', 'b1'] },
    ]);
    for (const p of [1, 2, 3]) assert.ok(repartitionOperatorLists(old, p).every((l) => [...l.values()].every((e) => e.mode === 'split')));
  });

  test('a split list: contiguous runs in old subtask order, the first n mod p subtasks one element more', () => {
    const old = [lists({ offsets: ['split', ['a', 'b', 'c', 'd']] }), lists({ offsets: ['split', ['e', 'f', 'g', 'h', 'i', 'j']] })];
    assert.deepEqual(plain(repartitionOperatorLists(old, 3)).map((l) => l.offsets), [['a', 'b', 'c', 'd'], ['e', 'f', 'g'], ['h', 'i', 'j']]);
    assert.deepEqual(plain(repartitionOperatorLists(old, 4)).map((l) => l.offsets), [['a', 'b', 'c'], ['d', 'e', 'f'], ['g', 'h'], ['i', 'j']]);
    // More subtasks than elements: the first ten get one each, the rest an empty list.
    const wide = plain(repartitionOperatorLists(old, 16)).map((l) => l.offsets);
    assert.deepEqual(wide, [...'abcdefghij'.split('').map((e) => [e]), [], [], [], [], [], []]);
    // A source's splits 3 → 2 → 5: Flink's reader state is such a list.
    const splits = (s: unknown[]): OperatorLists => lists({ _splits: ['split', s] });
    const two = repartitionOperatorLists([splits(['s0']), splits(['s1']), splits(['s2'])], 2);
    assert.deepEqual(plain(two).map((l) => l._splits), [['s0', 's1'], ['s2']]);
    assert.deepEqual(plain(repartitionOperatorLists(two, 5)).map((l) => l._splits), [['s0'], ['s1'], ['s2'], [], []]);
  });

  test("several split lists: each one's extra elements start where the last one's stopped, so no subtask holds more than one element more than another", () => {
    // a, b, c sit in buckets 1, 2, 3 of Java's HashMap: taken in that order.
    const old = [lists({ c: ['split', ['c0']], a: ['split', ['a0']], b: ['split', ['b0']] })];
    assert.deepEqual(plain(repartitionOperatorLists(old, 3)), [
      { c: [], a: ['a0'], b: [] },
      { c: [], a: [], b: ['b0'] },
      { c: ['c0'], a: [], b: [] },
    ]);
    // Five over two subtasks: 3 + 2; the next state's one extra element then goes to subtask 1.
    const five = [lists({ a: ['split', [1, 2, 3, 4, 5]], b: ['split', [6]] })];
    assert.deepEqual(plain(repartitionOperatorLists(five, 2)), [
      { a: [1, 2, 3], b: [] },
      { a: [4, 5], b: [6] },
    ]);
  });

  test('union list state: every subtask gets all elements, each its own copy (StateAssignmentOperationTest#testRepartitionUnionState)', () => {
    const old = [lists({ 't-3': ['union', ['x']], 't-4': ['union', ['y0', 'y1']] }), lists({ 't-3': ['union', ['z']] })];
    for (const p of [3, 1, 2]) {
      const result = repartitionOperatorLists(old, p);
      assert.deepEqual(plain(result), Array.from({ length: p }, () => ({ 't-3': ['x', 'z'], 't-4': ['y0', 'y1'] })), `parallelism ${p}`);
      assert.ok(result.every((l) => l.get('t-3')!.mode === 'union'));
      result[0]!.get('t-3')!.values.push('mine');
      if (p > 1) assert.deepEqual(result[1]!.get('t-3')!.values, ['x', 'z']);
    }
  });

  test('broadcast state: new subtask i gets old subtask (i mod old parallelism)’s copy, at a higher, lower and the same parallelism (StateAssignmentOperationTest#testRepartitionBroadcastState)', () => {
    const copy = (tag: string): OperatorLists => lists({ 't-5': ['broadcast', [['k', `${tag}-5`]]], 't-6': ['broadcast', [['k', `${tag}-6`]]] });
    const old = [copy('old0'), copy('old1')];
    const expected = (p: number) => Array.from({ length: p }, (_, i) => ({ 't-5': [['k', `old${i % 2}-5`]], 't-6': [['k', `old${i % 2}-6`]] }));
    for (const p of [3, 1, 2, 5]) assert.deepEqual(plain(repartitionOperatorLists(old, p)), expected(p), `parallelism ${p}`);
  });

  test('broadcast state written by one of two old subtasks (the other wrote nothing, or nothing of it): every new subtask gets that copy (…WithNullSubtaskState, …WithEmptySubtaskState)', () => {
    const only = lists({ 't-5': ['broadcast', [['k', 'v']]] });
    for (const other of [undefined, new Map()]) {
      for (const p of [3, 1, 2]) {
        assert.deepEqual(plain(repartitionOperatorLists([only, other], p)), Array.from({ length: p }, () => ({ 't-5': [['k', 'v']] })), `parallelism ${p}`);
      }
    }
  });

  test('an old subtask that wrote nothing gives nothing; at the same parallelism its successor gets empty lists of every state', () => {
    const old = [lists({ offsets: ['split', [1, 2]], seen: ['union', ['u0']] }), undefined, lists({ offsets: ['split', [3]], seen: ['union', ['u2']] })];
    assert.deepEqual(plain(repartitionOperatorLists(old, 3)), [
      { offsets: [1, 2], seen: ['u0', 'u2'] },
      { offsets: [], seen: ['u0', 'u2'] },
      { offsets: [3], seen: ['u0', 'u2'] },
    ]);
    assert.deepEqual(plain(repartitionOperatorLists(old, 2)), [
      { offsets: [1, 2], seen: ['u0', 'u2'] },
      { offsets: [3], seen: ['u0', 'u2'] },
    ]);
  });

  test('all modes at once (StateAssignmentOperationTest#testReDistributeCombinedPartitionableStates): 2 → 3, 2 → 1, 2 → 2', () => {
    const bc = (tag: string): Record<string, [OperatorStateMode, unknown[]]> => ({
      't-4': ['broadcast', [[4, tag]]],
      't-5': ['broadcast', [[5, tag]]],
      't-6': ['broadcast', [[6, tag]]],
    });
    const old = [
      lists({ 't-1': ['union', ['u0']], 't-2': ['union', ['v0', 'v1']], 't-3': ['split', ['s0', 's1']], ...bc('old0') }),
      lists({ 't-1': ['union', ['u1']], ...bc('old1') }),
    ];
    for (const p of [3, 1, 2]) {
      const result = plain(repartitionOperatorLists(old, p));
      result.forEach((l, i) => {
        assert.deepEqual(l['t-1'], ['u0', 'u1']);
        assert.deepEqual(l['t-2'], ['v0', 'v1']);
        for (const name of ['t-4', 't-5', 't-6']) assert.deepEqual(l[name], [[Number(name.slice(2)), `old${i % 2}`]]);
      });
      const split = result.map((l) => l['t-3']);
      if (p === 3) assert.deepEqual(split, [['s0'], ['s1'], []]);
      else if (p === 1) assert.deepEqual(split, [['s0', 's1']]);
      else assert.deepEqual(split, [['s0', 's1'], []]);
    }
  });

  test('random operators (CheckpointCoordinatorTest#testPartitionableStateRepartitioning): nothing lost or doubled, load within one, broadcast copies round robin', () => {
    const random = seededRandom(42);
    const int = (n: number) => Math.floor(random() * n);
    for (let run = 0; run < 2000; run++) {
      const oldP = 1 + int(9);
      const newP = 1 + int(9);
      const numStates = 1 + int(9);
      const maxPerState = 1 + int(9);
      // Each name in one mode (a job registers a name in one mode on every subtask).
      const modes = Array.from({ length: numStates - 1 }, () => (int(10) === 0 ? 'union' : 'split') as OperatorStateMode);
      const old: OperatorLists[] = Array.from({ length: oldP }, (_, t) => {
        const l: OperatorLists = new Map();
        modes.forEach((mode, s) => l.set(`State-${s}`, { mode, values: Array.from({ length: 1 + int(maxPerState) }, (_, o) => `${t}/${s}/${o}`) }));
        if (numStates % 2 === 0) l.set(`State-${numStates - 1}`, { mode: 'broadcast', values: [[t, 1], [t, 2], [t, 3], [t, 4]] });
        return l;
      });
      const result = repartitionOperatorLists(old, newP);
      const at = `run ${run}: ${oldP} → ${newP}, ${numStates} states`;
      assert.equal(result.length, newP, at);
      modes.forEach((mode, s) => {
        const name = `State-${s}`;
        const all = old.flatMap((l) => l.get(name)!.values);
        const got = result.map((l) => l.get(name)!.values);
        if (mode === 'union') {
          for (const g of got) assert.deepEqual(g, all, at);
        } else {
          assert.deepEqual(got.flat().sort(), [...all].sort(), `${at}: ${name} keeps every element once`);
          for (const g of got.filter((g) => g.length > 0)) {
            const from = all.indexOf(g[0]);
            assert.deepEqual(g, all.slice(from, from + g.length), `${at}: ${name} dealt in runs, in order`);
          }
          if (oldP === newP) assert.deepEqual(got, old.map((l) => l.get(name)!.values), `${at}: each its own`);
        }
      });
      if (numStates % 2 === 0) {
        result.forEach((l, i) => assert.deepEqual(l.get(`State-${numStates - 1}`)!.values, old[i % oldP]!.get(`State-${numStates - 1}`)!.values, at));
      }
      if (oldP !== newP) {
        const load = result.map((l) => [...l.values()].reduce((n, e) => n + e.values.length, 0));
        assert.ok(Math.max(...load) - Math.min(...load) <= 1, `${at}: load ${load}`);
      }
    }
  });
});

describe('javaHashMapOrder', () => {
  test('iterates as java.util.HashMap does: by bucket of the spread String.hashCode, a shared bucket in put order, the table grown past 3/4', () => {
    // Golden orders printed by JDK 17's HashMap.keySet() after putting the names in this order.
    assert.deepEqual(javaHashMapOrder(['t-1', 't-2']), ['t-2', 't-1']);
    assert.deepEqual(javaHashMapOrder(['counts', 'offsets', 'buffer', 'pending', 'seen', 'x', 'y', 'z', 'Aa', 'BB', '_splits', '_sink', 'ü€😀']), [
      'Aa', 'BB', '_sink', 'counts', 'pending', 'seen', '_splits', 'offsets', 'x', 'y', 'z', 'buffer', 'ü€😀',
    ]);
    // "Aa" and "BB" share a hash: put order decides.
    assert.deepEqual(javaHashMapOrder(['BB', 'Aa']), ['BB', 'Aa']);
    // 29 names: the table has grown to 64.
    const many = [...'abcdefghijklmnopqrstuvw'.split(''), 'x2', 'y2', 'z2', 'aa', 'bb', 'cc'];
    assert.deepEqual(javaHashMapOrder(many), ['bb', 'y2', 'aa', 'cc', ...'abcdefghijklmnopqrstuvw'.split(''), 'z2', 'x2']);
  });
});
