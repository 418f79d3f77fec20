import { performance } from 'node:perf_hooks';
import type { KeyGroupRange } from './key-groups.js';
import { type KeyKindExamples, KeyKindSet, type UserKeyKindRecord, noteUserKeysOf, userKeyKind } from './key-kinds.js';
import { type BlockEntries, encodeDeltaBlock, encodeFullBlock } from './snapshot-format/key-group-block.js';
import type { SharedStateRef } from './snapshot-format/handles.js';
import type { StateKinds } from './state-meta.js';

/** One state as a snapshot reads it: its values at the cut, and how they are written. */
export interface SnapshotState {
  /** The entries of a key group at the cut. */
  entries(keyGroup: number): Iterable<[unknown, unknown]>;
  /** One value at the cut (for incremental snapshots). */
  get(keyGroup: number, key: unknown): unknown;
  /** Undefined = stored values go in as they are (the fast path); a result of undefined drops the entry. */
  readonly encodeValue: ((stored: unknown) => unknown) | undefined;
  /** For a delta: the keys set or deleted since the base, by key group index. */
  readonly changed: readonly Set<unknown>[] | undefined;
}

/**
 * How a keyed snapshot is written: as part of the operator's own state file (full, the only
 * form of savepoints and of non-incremental checkpoints), or as a file of `shared/` that later
 * checkpoints may reference: a full base, or a delta over the chain of files `base`.
 */
export type KeyedSnapshotForm =
  | { readonly kind: 'self-contained' }
  | { readonly kind: 'shared-full' }
  | { readonly kind: 'shared-delta'; readonly base: readonly SharedStateRef[] };

/**
 * A keyed-state snapshot in progress. The cut costs no copy: on the heap, every key group is
 * frozen and encoded either by the background encoder or, if the task touches it first, on
 * that first access (after which the live maps may change freely); on disk, a read
 * transaction sees the state as it was at the cut. So processing never waits for the whole
 * state to be copied. Each key group becomes one block of the snapshot format
 * (snapshot-format/key-group-block.ts): full, or a delta of puts and deletes.
 */
export class PendingKeyedSnapshot {
  /** Encoded key groups, by key group index. */
  private encoded: (Uint8Array | undefined)[];
  private remaining: number;
  private nextToEncode = 0;
  /** A key group the background encoder has started (large key groups take several slices). */
  private inProgress: { readonly index: number; readonly steps: Generator<void, Uint8Array> } | undefined;
  private released = false;
  /** The longest encode of one key group done on first access (a pause of processing). */
  maxInlineEncodeMs = 0;

  /**
   * @param frozen the heap tables' freeze flags (all set here; cleared as key groups are encoded)
   * @param onRelease called once, when the snapshot is written or abandoned
   * @param onWritten told where an incremental snapshot was written in `shared/`
   * @param keyKindSet the kinds of keys the backend restored or wrote before (a delta holds only
   *   some keys); the keys encoded here add theirs
   * @param userKeyKindSets likewise the kinds of each map state's user keys, by state name
   */
  constructor(
    readonly checkpointId: number,
    readonly keyGroupRange: KeyGroupRange,
    private readonly tables: ReadonlyMap<string, SnapshotState>,
    readonly kinds: StateKinds,
    private readonly frozen: Uint8Array,
    readonly form: KeyedSnapshotForm,
    private readonly onRelease: (s: PendingKeyedSnapshot) => void = () => {},
    private readonly onWritten: (file: SharedStateRef) => void = () => {},
    private readonly keyKindSet: KeyKindSet = new KeyKindSet(),
    private readonly userKeyKindSets: Map<string, KeyKindSet> = new Map(),
  ) {
    this.encoded = new Array(keyGroupRange.size);
    this.remaining = keyGroupRange.size;
    frozen.fill(1);
  }

  /**
   * The kinds of the keys the state holds (see key-kinds.ts), once encoded: recorded in the
   * state file, so a restore knows the kinds of the whole operator's keys.
   */
  get keyKinds(): KeyKindExamples {
    return this.keyKindSet.entries();
  }

  /**
   * The kinds of each map state's user keys (restored or written, as {@link keyKinds}), once
   * encoded: recorded in the state file, so a restore can check a map's user keys.
   */
  get userKeyKinds(): UserKeyKindRecord {
    const out: Record<string, KeyKindExamples> = {};
    for (const [name, kinds] of this.userKeyKindSets) if (kinds.size > 0) out[name] = kinds.entries();
    return out;
  }

  /** Where the user keys of state `name` are noted while encoding: a map state's set, or undefined. */
  private userKeysOf(name: string): KeyKindSet | undefined {
    if (this.kinds[name]?.kind !== 'map') return undefined;
    let kinds = this.userKeyKindSets.get(name);
    if (kinds === undefined) this.userKeyKindSets.set(name, (kinds = new KeyKindSet(userKeyKind)));
    return kinds;
  }

  get isDelta(): boolean {
    return this.form.kind === 'shared-delta';
  }

  /**
   * An incremental snapshot was written as `file` in `shared/`: the chain its checkpoint's
   * `_metadata` records (the base it builds on, then `file`), which the backend builds the next
   * delta on once the checkpoint completes.
   */
  written(file: SharedStateRef): SharedStateRef[] {
    this.onWritten(file);
    return [...(this.form.kind === 'shared-delta' ? this.form.base : []), file];
  }

  /** Encodes key group index `i` because processing is about to touch it. */
  encodeOnAccess(i: number): void {
    const start = performance.now();
    this.encode(i);
    this.maxInlineEncodeMs = Math.max(this.maxInlineEncodeMs, performance.now() - start);
  }

  /** Encodes key group index `i` now, completely (first access after the cut). */
  encode(i: number): void {
    if (this.encoded[i] !== undefined) return;
    const steps = this.inProgress?.index === i ? this.inProgress.steps : this.steps(i);
    if (this.inProgress?.index === i) this.inProgress = undefined;
    let r = steps.next();
    while (!r.done) r = steps.next();
    this.finish(i, r.value);
  }

  private finish(i: number, bytes: Uint8Array): void {
    this.encoded[i] = bytes;
    this.frozen[i] = 0;
    this.remaining--;
  }

  /** Encodes key group index `i`, pausing (yielding) every few thousand entries. */
  private steps(i: number): Generator<void, Uint8Array> {
    const kg = this.keyGroupRange.start + i;
    return this.isDelta ? this.encodeDelta(kg, i) : this.encodeFull(kg);
  }

  private *encodeFull(kg: number): Generator<void, Uint8Array> {
    const states: Record<string, BlockEntries> = {};
    let any = false;
    let n = 0;
    for (const [name, { entries, encodeValue }] of this.tables) {
      const out: BlockEntries = [];
      const keyKinds = this.keyKindSet;
      const userKeys = this.userKeysOf(name);
      const layout = this.kinds[name]!;
      for (const [k, v] of entries(kg)) {
        const e = encodeValue ? encodeValue(v) : v;
        if (e !== undefined) {
          out.push([k, e]);
          keyKinds.note(k);
          if (userKeys !== undefined) noteUserKeysOf(layout, v, userKeys);
        }
        if (++n % STEP_ENTRIES === 0) yield;
      }
      if (out.length === 0) continue;
      states[name] = out;
      any = true;
    }
    return any ? encodeFullBlock(states) : EMPTY;
  }

  private *encodeDelta(kg: number, i: number): Generator<void, Uint8Array> {
    const puts: Record<string, BlockEntries> = {};
    const deletes: Record<string, unknown[]> = {};
    let any = false;
    let n = 0;
    for (const [name, state] of this.tables) {
      const changed = state.changed?.[i];
      if (!changed || changed.size === 0) continue;
      const p: BlockEntries = [];
      const d: unknown[] = [];
      const userKeys = this.userKeysOf(name);
      const layout = this.kinds[name]!;
      for (const k of changed) {
        const v = state.get(kg, k);
        const e = v === undefined ? undefined : state.encodeValue ? state.encodeValue(v) : v;
        if (e === undefined) d.push(k);
        else {
          p.push([k, e]);
          this.keyKindSet.note(k);
          if (userKeys !== undefined) noteUserKeysOf(layout, v, userKeys);
        }
        if (++n % STEP_ENTRIES === 0) yield;
      }
      if (p.length > 0) puts[name] = p;
      if (d.length > 0) deletes[name] = d;
      any = true;
    }
    return any ? encodeDeltaBlock(puts, deletes) : EMPTY;
  }

  /** Encodes key groups until `deadline` (performance.now() ms); true when all are encoded. */
  encodeUntil(deadline: number, now: () => number = () => performance.now()): boolean {
    while (this.remaining > 0) {
      if (!this.inProgress) {
        while (this.encoded[this.nextToEncode] !== undefined) this.nextToEncode++;
        this.inProgress = { index: this.nextToEncode, steps: this.steps(this.nextToEncode) };
      }
      const { index, steps } = this.inProgress;
      const r = steps.next();
      if (r.done) {
        this.inProgress = undefined;
        this.finish(index, r.value);
      }
      if (now() >= deadline) break;
    }
    if (this.remaining === 0) this.releaseCut();
    return this.remaining === 0;
  }

  get done(): boolean {
    return this.remaining === 0;
  }

  /** The encoded non-empty key groups, once done. */
  keyGroups(): Array<[number, Uint8Array]> {
    if (!this.done) throw new Error('internal: keyed snapshot read before it was encoded');
    const out: Array<[number, Uint8Array]> = [];
    for (let i = 0; i < this.encoded.length; i++) {
      const bytes = this.encoded[i]!;
      if (bytes !== EMPTY) out.push([this.keyGroupRange.start + i, bytes]);
    }
    return out;
  }

  /** The snapshot is written (or abandoned): drop its bytes and let the backend forget it. */
  release(): void {
    this.encoded = [];
    this.inProgress = undefined;
    this.releaseCut();
  }

  private releaseCut(): void {
    if (this.released) return;
    this.released = true;
    this.onRelease(this);
  }
}

const EMPTY = new Uint8Array(0);
/** Entries encoded between checks of the time budget. */
const STEP_ENTRIES = 4096;
