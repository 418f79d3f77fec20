/*
 * addIfPresent, the window operator's one-lookup add for a key and window it has contents for
 * already: on list, reducing and aggregating state of every backend it adds exactly where `add`
 * would have found a value, and changes nothing (state or snapshot) where there is none.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AggregatingStateDescriptor, ListStateDescriptor, ReducingStateDescriptor, type State } from '../../src/state/index.js';
import { BACKENDS, createBackend, dumpTables } from './backends.js';

interface AddingIfPresent extends State {
  add(value: unknown): void;
  get(): unknown;
  addIfPresent(value: unknown): boolean;
}

const descriptors = {
  list: (name: string) => new ListStateDescriptor<number>(name),
  reducing: (name: string) => new ReducingStateDescriptor<number>(name, (a, b) => a + b),
  aggregating: (name: string) =>
    new AggregatingStateDescriptor<number, number, string>(name, { createAccumulator: () => 0, add: (v, acc) => acc + v, getResult: (acc) => `sum ${acc}` }),
};

for (const type of BACKENDS) {
  describe(`addIfPresent on ${type}`, () => {
    for (const [kind, descriptor] of Object.entries(descriptors)) {
      test(`${kind} state, plain and per window: adds only where the key has a value, and says so`, () => {
        const backend = createBackend(type);
        const plain = backend.getOrCreateState<AddingIfPresent>(descriptor('plain'));
        const windows = backend.getOrCreateNamespacedState<AddingIfPresent>(descriptor('windows'));
        backend.setCurrentKey('a');
        assert.equal(plain.addIfPresent(1), false);
        assert.deepEqual(plain.get(), kind === 'list' ? [] : undefined, 'nothing added where there was nothing');
        plain.add(1);
        assert.equal(plain.addIfPresent(2), true);
        windows.setCurrentNamespace(10);
        assert.equal(windows.state.addIfPresent(5), false);
        windows.state.add(5);
        windows.setCurrentNamespace(20);
        assert.equal(windows.state.addIfPresent(6), false, 'another window of the key has contents, this one none');
        windows.setCurrentNamespace(10);
        assert.equal(windows.state.addIfPresent(7), true);
        backend.setCurrentKey('b');
        assert.equal(windows.state.addIfPresent(8), false, 'another key');
        backend.setCurrentKey('a');
        const want = kind === 'list' ? [[1, 2], [5, 7]] : kind === 'reducing' ? [3, 12] : ['sum 3', 'sum 12'];
        assert.deepEqual(plain.get(), want[0]);
        assert.deepEqual(windows.state.get(), want[1]);
        const tables = dumpTables(backend);
        assert.equal(Object.values(tables).flat().length, 2, 'one stored value per state, for key a only');
      });
    }
  });
}
