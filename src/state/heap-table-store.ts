import type { StateBackendName } from '../util/state-backend-names.js';
import { HeapStateTable, INT_SHARDS } from './heap-state-table.js';
import type { KeyGroupRange } from './key-groups.js';
import type { SnapshotGuard, StateTableStore, StoreCut, TrackedStateTable } from './state-table.js';

/** The `hashmap` store: tables on the JS heap. */
export class HeapTableStore implements StateTableStore {
  readonly type: StateBackendName = 'hashmap';
  readonly freezesAtCut = true;
  readonly storesByReference = true;
  readonly units: number;

  constructor(
    private readonly range: KeyGroupRange,
    private readonly maxParallelism: number,
  ) {
    this.units = INT_SHARDS + range.size;
  }

  createTable(guard: SnapshotGuard): TrackedStateTable<unknown> {
    return new HeapStateTable<unknown>(this.range, this.maxParallelism, guard);
  }

  /** Frozen units keep the live tables as they were at the cut until encoded, so the view is the live tables. */
  cut(): StoreCut {
    return HEAP_CUT;
  }

  addBackgroundWork(): void {}

  dispose(): void {}
}

const HEAP_CUT: StoreCut = {
  entries: (t, unit) => (t as HeapStateTable<unknown>).unitEntries(unit),
  get: (t, unit, key) => (t as HeapStateTable<unknown>).peekUnit(unit, key),
  release: () => {},
};
