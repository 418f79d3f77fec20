import { performance } from 'node:perf_hooks';
import type { KeyGroupRange } from './key-groups.js';
import { type KeyKindExamples, KeyKindSet, type UserKeyKindRecord, noteUserKeysOf, userKeyKind } from './key-kinds.js';
import { isInt32Key } from './int-key-table.js';
import { NumberPieceWriter, type PackedRun, joinDeltaBlock, joinFullBlock, packPiece } from './snapshot-format/key-group-block.js';
import type { SharedStateRef } from './snapshot-format/handles.js';
import type { StateKinds } from './state-meta.js';

/**
 * One state as a snapshot reads it, by unit of its table (StateTable.units: key groups on disk;
 * on the heap, shards of int keys, which mix key groups, then key groups): its values at the
 * cut, and how they are written.
 */
export interface SnapshotState {
  /** The entries of a unit at the cut. */
  entries(unit: number): Iterable<[unknown, unknown]>;
  /** One value at the cut (for incremental snapshots). */
  get(unit: number, key: unknown): unknown;
  /** The key group of `key`, an entry of `unit`. */
  keyGroupOf(unit: number, key: unknown): number;
  /** Undefined = stored values go in as they are (the fast path); a result of undefined drops the entry. */
  readonly encodeValue: ((stored: unknown) => unknown) | undefined;
  /** For a delta: the keys set or deleted since the base, by unit. */
  readonly changed: readonly Set<unknown>[] | undefined;
}

/** What the units encoded so far hold of one key group: packed runs by state name. */
class KeyGroupRuns {
  readonly puts = new Map<string, PackedRun>();
  readonly deletes = new Map<string, PackedRun>();
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
 * A keyed-state snapshot in progress. The cut costs no copy: on the heap, every unit (a shard
 * of int keys, or a key group's other keys) is frozen and encoded either by the background
 * encoder or, if the task touches it first, on that first access (after which the live tables
 * may change freely: a stored list may be appended to in place); on disk, a read transaction
 * sees the state as it was at the cut. So processing never waits for the whole state to be
 * copied. A unit's entries are packed grouped by key group (computing each int key's key group
 * here, not on the record path); once every unit is, each key group's pieces are joined into one
 * block of the snapshot format (snapshot-format/key-group-block.ts): full, or a delta of puts
 * and deletes, the same bytes a whole key group packed at once would decode to.
 */
export class PendingKeyedSnapshot {
  /** 1 where a unit is encoded. */
  private readonly encoded: Uint8Array;
  /** What the encoded units hold, by key group index (undefined: nothing yet). */
  private runs: (KeyGroupRuns | undefined)[];
  /** The blocks joined so far, in key group order. */
  private blocks: Array<[number, Uint8Array]> = [];
  /** Key groups (by index) whose blocks are joined, once every unit is encoded. */
  private joined = 0;
  /** Empty pieces to reuse (see takePieces). */
  private readonly spare: Pieces[] = [];
  /** The states' names in the order of the tables. */
  private readonly names: readonly string[];
  private remaining: number;
  private nextToEncode = 0;
  /** A unit the background encoder has started (large units take several slices). */
  private inProgress: { readonly index: number; readonly steps: Generator<void, void> } | undefined;
  private released = false;
  /** The longest encode of one unit done on first access (a pause of processing). */
  maxInlineEncodeMs = 0;

  /**
   * @param frozen the freeze flags of the store's units (all set here; cleared as units are encoded)
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
    this.encoded = new Uint8Array(frozen.length);
    this.runs = new Array<KeyGroupRuns | undefined>(keyGroupRange.size).fill(undefined);
    this.remaining = frozen.length;
    this.names = [...tables.keys()];
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

  /** Encodes unit `i` because processing is about to touch it. */
  encodeOnAccess(i: number): void {
    const start = performance.now();
    this.encode(i);
    this.maxInlineEncodeMs = Math.max(this.maxInlineEncodeMs, performance.now() - start);
  }

  /** Encodes unit `i` now, completely (first access after the cut). */
  encode(i: number): void {
    if (this.encoded[i] === 1) return;
    const steps = this.inProgress?.index === i ? this.inProgress.steps : this.steps(i);
    if (this.inProgress?.index === i) this.inProgress = undefined;
    while (!steps.next().done);
    this.finish(i);
  }

  private finish(i: number): void {
    this.encoded[i] = 1;
    this.frozen[i] = 0;
    this.remaining--;
  }

  /** Encodes unit `i`, pausing (yielding) every few thousand entries. */
  private steps(i: number): Generator<void, void> {
    return this.isDelta ? this.encodeDelta(i) : this.encodeFull(i);
  }

  private *encodeFull(unit: number): Generator<void, void> {
    let n = 0;
    const keyKinds = this.keyKindSet;
    for (const [name, state] of this.tables) {
      const { encodeValue } = state;
      const byKeyGroup = this.takePieces();
      const userKeys = this.userKeysOf(name);
      const layout = this.kinds[name]!;
      for (const [k, v] of state.entries(unit)) {
        const e = encodeValue ? encodeValue(v) : v;
        if (e !== undefined) {
          byKeyGroup.entry(state.keyGroupOf(unit, k), k, e);
          keyKinds.note(k);
          if (userKeys !== undefined) noteUserKeysOf(layout, v, userKeys);
        }
        if (++n % STEP_ENTRIES === 0) yield;
      }
      byKeyGroup.packInto(this.runs, name, 'puts');
      this.spare.push(byKeyGroup);
    }
  }

  private *encodeDelta(unit: number): Generator<void, void> {
    let n = 0;
    for (const [name, state] of this.tables) {
      const changed = state.changed?.[unit];
      if (!changed || changed.size === 0) continue;
      const puts = this.takePieces();
      const deletes = this.takePieces();
      const userKeys = this.userKeysOf(name);
      const layout = this.kinds[name]!;
      for (const k of changed) {
        const v = state.get(unit, k);
        const e = v === undefined ? undefined : state.encodeValue ? state.encodeValue(v) : v;
        const kg = state.keyGroupOf(unit, k);
        if (e === undefined) deletes.deleted(kg, k);
        else {
          puts.entry(kg, k, e);
          this.keyKindSet.note(k);
          if (userKeys !== undefined) noteUserKeysOf(layout, v, userKeys);
        }
        if (++n % STEP_ENTRIES === 0) yield;
      }
      puts.packInto(this.runs, name, 'puts');
      deletes.packInto(this.runs, name, 'deletes');
      this.spare.push(puts, deletes);
    }
  }

  /**
   * Pieces for one state of one unit: an empty one left by a unit done before, else a new one.
   * Each is as long as the key group range (up to 32768), so one made per unit and state made a
   * snapshot cost units × key groups even for an empty state (130 s at max parallelism 32768).
   * At most two units are encoded at once (the background encoder's, and one touched first),
   * so few are ever made; a unit abandoned midway keeps its own.
   */
  private takePieces(): Pieces {
    return this.spare.pop() ?? new Pieces(this.keyGroupRange.start, this.keyGroupRange.size);
  }

  /**
   * Encodes units, then joins key groups' blocks, until `deadline` (performance.now() ms); true
   * when all are done. The cut is released once every unit is encoded (a join reads no table).
   */
  encodeUntil(deadline: number, now: () => number = () => performance.now()): boolean {
    while (this.remaining > 0) {
      if (!this.inProgress) {
        while (this.encoded[this.nextToEncode] === 1) this.nextToEncode++;
        this.inProgress = { index: this.nextToEncode, steps: this.steps(this.nextToEncode) };
      }
      const { index, steps } = this.inProgress;
      if (steps.next().done) {
        this.inProgress = undefined;
        this.finish(index);
      }
      if (now() >= deadline) break;
    }
    if (this.remaining > 0) return false;
    this.releaseCut();
    while (this.joined < this.runs.length && now() < deadline) this.joinNext();
    return this.done;
  }

  /** Joins the next key group's block (see PackedRun), if it holds anything. */
  private joinNext(): void {
    const i = this.joined++;
    const runs = this.runs[i];
    if (runs === undefined) return;
    this.runs[i] = undefined;
    // States in the order of the tables, as a block packed at once had them.
    const inOrder = (m: Map<string, PackedRun>) => this.names.flatMap((name) => (m.has(name) ? [[name, m.get(name)!] as const] : []));
    this.blocks.push([this.keyGroupRange.start + i, this.isDelta ? joinDeltaBlock(inOrder(runs.puts), inOrder(runs.deletes)) : joinFullBlock(inOrder(runs.puts))]);
  }

  get done(): boolean {
    return this.remaining === 0 && this.joined === this.runs.length;
  }

  /** The blocks of the non-empty key groups, once done. */
  keyGroups(): Array<[number, Uint8Array]> {
    if (!this.done) throw new Error('internal: keyed snapshot read before it was encoded');
    return this.blocks;
  }

  /** The snapshot is written (or abandoned): drop its bytes and let the backend forget it. */
  release(): void {
    this.runs = [];
    this.joined = 0;
    this.blocks = [];
    this.inProgress = undefined;
    this.releaseCut();
  }

  private releaseCut(): void {
    if (this.released) return;
    this.released = true;
    this.onRelease(this);
  }
}

/** Entries encoded between checks of the time budget. */
const STEP_ENTRIES = 4096;

/**
 * One state's entries (or deleted keys) of one unit, by key group index, until the unit is done:
 * int keys with number values (or deleted int keys) are written as bytes at once
 * (NumberPieceWriter); entries holding an object are packed when the unit is done (the object may
 * change in place once the unit thaws); the rest (strings, booleans: values that cannot change)
 * wait to be packed when each key group's block is joined, in the background.
 */
class Pieces {
  private readonly numbers: (NumberPieceWriter | undefined)[];
  private readonly objects: (unknown[] | undefined)[];
  private readonly primitives: (unknown[] | undefined)[];
  /** 1 at the key group indexes that hold anything, listed in {@link touched}. */
  private readonly marks: Uint8Array;
  /**
   * The key group indexes that hold anything: a unit's packing visits these, not the whole range
   * (a unit holds one key group's other keys, or a shard's int keys of some key groups).
   */
  private readonly touched: number[] = [];

  constructor(private readonly start: number, size: number) {
    this.numbers = new Array<NumberPieceWriter | undefined>(size).fill(undefined);
    this.objects = new Array<unknown[] | undefined>(size).fill(undefined);
    this.primitives = new Array<unknown[] | undefined>(size).fill(undefined);
    this.marks = new Uint8Array(size);
  }

  /** Adds the entry [key, value]. */
  entry(keyGroup: number, key: unknown, value: unknown): void {
    const i = this.touch(keyGroup - this.start);
    if (typeof value === 'number' && isInt32Key(key)) (this.numbers[i] ??= new NumberPieceWriter()).pair(key, value);
    else this.item(i, [key, value], typeof value === 'object' && value !== null);
  }

  /** Adds a deleted key. */
  deleted(keyGroup: number, key: unknown): void {
    const i = this.touch(keyGroup - this.start);
    if (isInt32Key(key)) (this.numbers[i] ??= new NumberPieceWriter()).key(key);
    else this.item(i, key, false);
  }

  private touch(i: number): number {
    if (this.marks[i] === 0) {
      this.marks[i] = 1;
      this.touched.push(i);
    }
    return i;
  }

  private item(i: number, item: unknown, object: boolean): void {
    const into = object ? this.objects : this.primitives;
    const list = into[i];
    if (list === undefined) into[i] = [item];
    else list.push(item);
  }

  /**
   * Moves each key group's items into state `name`'s run of `kind` in `runs`, packing those
   * holding objects, and is left empty.
   */
  packInto(runs: (KeyGroupRuns | undefined)[], name: string, kind: 'puts' | 'deletes'): void {
    const touched = this.touched;
    for (let t = 0; t < touched.length; t++) {
      const i = touched[t]!;
      const numbers = this.numbers[i];
      const objects = this.objects[i];
      const primitives = this.primitives[i];
      this.numbers[i] = undefined;
      this.objects[i] = undefined;
      this.primitives[i] = undefined;
      this.marks[i] = 0;
      const of = (runs[i] ??= new KeyGroupRuns())[kind];
      let run = of.get(name);
      if (run === undefined) of.set(name, (run = { count: 0, pieces: [], later: [] }));
      if (numbers !== undefined) {
        run.count += numbers.count;
        run.pieces.push(numbers.piece());
      }
      if (objects !== undefined) {
        run.count += objects.length;
        run.pieces.push(packPiece(objects));
      }
      if (primitives !== undefined) {
        run.count += primitives.length;
        for (let j = 0; j < primitives.length; j++) run.later.push(primitives[j]);
      }
    }
    touched.length = 0;
  }
}
