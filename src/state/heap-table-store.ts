import type { StateBackendName } from '../util/state-backend-names.js';
import { HeapStateTable } from './heap-state-table.js';
import type { KeyGroupRange } from './key-groups.js';
import type { SnapshotGuard, StateTableStore, StoreCut, TrackedStateTable } from './state-table.js';

/** The `hashmap` store: tables are Maps on the JS heap. */
export class HeapTableStore implements StateTableStore {
  readonly type: StateBackendName = 'hashmap';
  readonly freezesAtCut = true;
  readonly storesByReference = true;

  constructor(private readonly range: KeyGroupRange) {}

  createTable(guard: SnapshotGuard): TrackedStateTable<unknown> {
    return new HeapStateTable<unknown>(this.range, guard);
  }

  /** Frozen key groups keep the live maps as they were at the cut until encoded, so the view is the live maps. */
  cut(): StoreCut {
    return HEAP_CUT;
  }

  addBackgroundWork(): void {}

  dispose(): void {}
}

const HEAP_CUT: StoreCut = {
  entries: (t, kg) => (t as HeapStateTable<unknown>).entries(kg),
  get: (t, kg, key) => (t as HeapStateTable<unknown>).peek(kg, key),
  release: () => {},
};
