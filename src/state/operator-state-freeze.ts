/*
 * Operator state (list, union list, broadcast) frozen by the snapshots in progress that hold it
 * as it was at their cut, not yet encoded: the counterpart of the keyed heap state's frozen key
 * groups (heap-state-table.ts's guard). Flink's operator state backend deep-copies every state at
 * the synchronous part so that an element mutated in place after the barrier is checkpointed as
 * it was; here the cut copies nothing, and any access that could hand the function an element
 * or value (or change what the cut holds) first lets every such snapshot encode the state, so
 * the snapshot gets the same bytes a copy at the cut would have given.
 */

/** A snapshot in progress that holds states unencoded (PendingOperatorLists). */
export interface FrozenStateHolder {
  /** Encodes state `name` completely, now; never throws (a failure fails the snapshot later). */
  encodeState(name: string): void;
}

/** The snapshots in progress holding one operator state (by name) unencoded. */
export class StateFreeze {
  /** Read on every guarded access: an empty array is the fast path. */
  private holders: FrozenStateHolder[] = [];

  constructor(readonly name: string) {}

  hold(holder: FrozenStateHolder): void {
    this.holders.push(holder);
  }

  /** `holder` encoded the state (or was abandoned): it no longer needs the state frozen. */
  letGo(holder: FrozenStateHolder): void {
    const i = this.holders.indexOf(holder);
    if (i >= 0) this.holders.splice(i, 1);
  }

  /** Lets every holder encode the state before it is read or changed; called on every guarded access. */
  thaw(): void {
    if (this.holders.length === 0) return;
    const holders = this.holders;
    this.holders = [];
    for (const h of holders) h.encodeState(this.name);
  }
}
