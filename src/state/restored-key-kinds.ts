import { KeyTypeChangedError, SnapshotRestoreError } from '../util/errors.js';
import {
  type KeyKind,
  type KeyKindExamples,
  KeyKindSet,
  type RecordedKeyKinds,
  allowedKeyBits,
  describeKey,
  describeKinds,
  keyKind,
  keyBit,
  kindBit,
  kindBitsOf,
  noteUserKeysOf,
  userKeyKind,
} from './key-kinds.js';
import type { StoredLayout } from './state-meta.js';

/*
 * The fence a restored keyed subtask puts up against keys of a type its state never held (see
 * key-kinds.ts): the keyed stream's keys, checked per batch of records, and each MapState's user
 * keys, checked per access. Both go by what the operator's snapshot recorded over all its
 * subtasks, so a job whose keys mix types is not refused on a subtask whose own share held one
 * type only; a snapshot that recorded nothing (written before flink-ts did) is not checked.
 */

/**
 * The kinds of keys a subtask's keyed state was restored with (state of the key, window state
 * and timers alike) and of its map states' user keys, and the checks of the job's keys against
 * the whole operator's.
 */
export class RestoredKeyKinds {
  private readonly observed = new KeyKindSet();
  private readonly observedUserKeys = new Map<string, KeyKindSet>();
  /** The operator's kinds (its record and what this subtask restored); undefined until recorded. */
  private held: KeyKindSet | undefined;
  /** What {@link checkBatch} lets through: `held`'s kinds as bits (key-kinds.ts's allowedKeyBits). */
  private allowed = 0;
  private heldUserKeys: Map<string, KeyKindSet> | undefined;
  /** A restored operator of this subtask recorded no kinds: its keys might be of any, nothing is checked. */
  private unrecorded = false;
  private unrecordedUserKeys = false;
  private uid: string | undefined;
  /** Every batch of records is checked: the restored operator held keys of some kind. */
  armed = false;

  /**
   * Notes one restored key (as stored) of operator `uid`; a value no key is stored as means the
   * snapshot is damaged.
   * @throws SnapshotRestoreError naming the operator, the file and the key group
   */
  note(stored: unknown, uid: string, where: () => string): KeyKind {
    const kind = this.observed.note(stored);
    if (kind === undefined) {
      throw new SnapshotRestoreError(`Cannot restore the state of operator '${uid}': ${where()} holds a key of type ${stored === null ? 'null' : typeof stored}, which no key is stored as; the snapshot is damaged.`);
    }
    return kind;
  }

  /** Notes the user keys of one restored value (as stored, `layout`'s) of map state `state`. */
  noteUserKeys(state: string, layout: StoredLayout, stored: unknown): void {
    let kinds = this.observedUserKeys.get(state);
    if (kinds === undefined) this.observedUserKeys.set(state, (kinds = new KeyKindSet(userKeyKind)));
    noteUserKeysOf(layout, stored, kinds);
  }

  /**
   * Notes user keys of map state `state` that were bytes at restore (a key serializer wrote
   * them) once they are read, at registration: after {@link operatorWide}, so they count towards
   * the operator's kinds too, as if noted at restore.
   */
  noteUserKeysLate(state: string, layout: StoredLayout, stored: unknown): void {
    this.noteUserKeys(state, layout, stored);
    if (this.heldUserKeys === undefined) return;
    let held = this.heldUserKeys.get(state);
    if (held === undefined) this.heldUserKeys.set(state, (held = new KeyKindSet(userKeyKind)));
    noteUserKeysOf(layout, stored, held);
  }

  /**
   * What operator `uid`'s snapshot recorded over all its subtasks, once the subtask's key groups
   * are restored: arms the checks. Without a record (a snapshot written before flink-ts recorded
   * kinds, or not by every subtask) nothing is checked, since the kinds this subtask restored may
   * be only some of the operator's.
   */
  operatorWide(uid: string, recorded: RecordedKeyKinds): void {
    this.uid ??= uid;
    if (recorded.keyKinds === undefined) this.unrecorded = true;
    else {
      this.held ??= new KeyKindSet();
      this.held.addAll(recorded.keyKinds);
      // What this subtask restored is the operator's too (a record cannot hold less).
      this.held.addAll(this.observed.entries());
    }
    this.armed = !this.unrecorded && this.held !== undefined && this.held.size > 0;
    if (this.held !== undefined) this.allowed = allowedKeyBits(this.held.bits);
    if (recorded.userKeyKinds === undefined) this.unrecordedUserKeys = true;
    else {
      const held = (this.heldUserKeys ??= new Map());
      const add = (state: string, kinds: KeyKindExamples) => {
        let set = held.get(state);
        if (set === undefined) held.set(state, (set = new KeyKindSet(userKeyKind)));
        set.addAll(kinds);
      };
      for (const [state, kinds] of Object.entries(recorded.userKeyKinds)) add(state, kinds);
      for (const [state, kinds] of this.observedUserKeys) add(state, kinds.entries());
    }
  }

  /** The kinds checked against, in the order first seen. */
  get kinds(): KeyKind[] {
    return (this.held ?? this.observed).entries().map(([k]) => k);
  }

  /**
   * Checks a batch of records (every batch, while armed): a key of a kind the operator's
   * restored state never held is refused — the job's selector returns keys of another type than
   * the state was written under (for all its keys, or from some record on), and their state
   * would silently not be found. A job whose keys mix types as before brings only kinds held.
   * One pass over the keys (a `typeof` each), off the per-record path.
   * @throws KeyTypeChangedError naming the operator, both kinds, an example of each, and what to do
   */
  checkBatch(keys: ArrayLike<unknown>): void {
    if ((kindBitsOf(keys) & ~this.allowed) === 0) return;
    // Strings were not held: one starting like a composite's stored form may be that composite.
    const held = this.held!;
    for (let i = 0; i < keys.length; i++) {
      if ((keyBit(keys[i]) & ~this.allowed) === 0) continue;
      const now = keyKind(keys[i])!;
      throw new KeyTypeChangedError(
        `Operator uid '${this.uid}' restored state keyed by ${describeKinds(held)}, but the job's keyBy now returns ${now}s (e.g. ${describeKey(now, keys[i])}): ` +
          `a key of another type is another key, so none of the restored state would be found. Change keyBy back to return ${this.kinds.join(' or ')}s, ` +
          `or start the operator fresh: give it a new uid and restore with --allow-non-restored-state (-n).`,
      );
    }
  }

  /**
   * The check of map state `state`'s user keys, if its restored entries held user keys and the
   * operator's snapshot recorded their kinds; undefined otherwise (nothing to check).
   */
  userKeyFence(state: string): UserKeyFence | undefined {
    if (this.unrecordedUserKeys) return undefined;
    const held = this.heldUserKeys?.get(state);
    return held !== undefined && held.size > 0 ? new UserKeyFence(this.uid!, state, held) : undefined;
  }
}

/**
 * A restored MapState's user keys, checked on every access by key (get, put, contains, remove):
 * a user key of a kind the restored map never held (`'7'` restored, `7` now) would find none of
 * its entries, so it is refused, as Flink refuses a changed MapState key serializer. A `typeof`
 * per access; only restored maps that held user keys have one.
 */
export class UserKeyFence {
  constructor(
    private readonly uid: string,
    private readonly state: string,
    private readonly held: KeyKindSet,
  ) {}

  /** @throws KeyTypeChangedError naming the state, the operator, both kinds and what to do */
  check(key: unknown): void {
    if ((kindBit(userKeyKind(key)) & ~this.held.bits) === 0) return;
    const now = userKeyKind(key)!;
    const kinds = this.held.entries().map(([k]) => `${k}s`);
    throw new KeyTypeChangedError(
      `MapState '${this.state}' of operator uid '${this.uid}' restored user keys that are ${describeKinds(this.held)}, but is now used with a user key that is a ${now} (${describeKey(now, key)}): ` +
        `a user key of another type is another key, so none of the restored entries would be found. Keep its user keys ${kinds.join(' or ')}, ` +
        `or register the map under a new state name (its restored entries are then not read).`,
    );
  }
}
