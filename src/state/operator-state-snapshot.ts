import { performance } from 'node:perf_hooks';
import { pack } from '../util/binary-codec.js';
import type { FrozenStateHolder, StateFreeze } from './operator-state-freeze.js';
import type { OperatorStateMode } from './operator-state-store.js';
import type { WriterRuns } from './operator-state-writers.js';

/** One operator state at a checkpoint's cut: its elements, and how each is written. */
export interface OperatorStateCut {
  readonly mode: OperatorStateMode;
  /**
   * The state's elements (broadcast state: its `[key, value]` entries) as they were at the cut:
   * the first `count` the iterable yields. Not a copy: the state stays frozen ({@link freeze})
   * until they are encoded, so nothing can change them meanwhile.
   */
  readonly values: Iterable<unknown>;
  readonly count: number;
  /** Recorded with the elements (absent: all MessagePack, inline). */
  readonly writers?: WriterRuns;
  /** The element as the snapshot holds it (its serializer's bytes); undefined: stored as it is. */
  readonly encode?: (element: unknown) => unknown;
  /** The state's freeze: held until its elements are encoded; absent: `values` cannot change. */
  readonly freeze?: StateFreeze;
}

/** One state of a pending snapshot: its cut, then its encoded pieces. */
interface Slot {
  readonly name: string;
  readonly cut: OperatorStateCut;
  /** Started by the background encoder (a large state takes several slices). */
  steps: Generator<void, Uint8Array[]> | undefined;
  pieces: Uint8Array[] | undefined;
}

/**
 * The operator lists of a snapshot in progress (list, union and broadcast state), as
 * PendingKeyedSnapshot is for keyed state: the cut copies nothing and freezes each state; the
 * elements are serialized and packed into the state file's lists section afterwards,
 * `STEP_ELEMENTS` at a time between processing slices, or all of one state at once when the task
 * is about to read or change it (see operator-state-freeze.ts): so what is written is each
 * state as it was at the cut, elements mutated in place afterwards included. The bytes are those
 * {@link encodeLists} writes (same format): MessagePack arrays are a header then their elements,
 * so the elements are packed in chunks behind a header written here, and handed to the write as
 * those chunks (never joined: a long copy would pause processing). One difference, invisible to
 * readers: an object added twice to a list is restored as two equal objects if the copies fall
 * in different chunks (MessagePack's reference tracking spans one chunk).
 */
export class PendingOperatorLists implements FrozenStateHolder {
  private readonly slots: Slot[] = [];
  private readonly byName = new Map<string, Slot>();
  /** The first slot the background encoder has not finished. */
  private next = 0;
  private result: Uint8Array[] | undefined;
  /** A state that failed to encode on access: the snapshot fails at its next step. */
  private failure: { readonly error: unknown } | undefined;
  /** The longest encode of one state done on access (a pause of processing). */
  maxInlineEncodeMs = 0;

  /** No operator state at all (nothing registered or restored). */
  readonly isEmpty: boolean;

  constructor(cuts: ReadonlyMap<string, OperatorStateCut>, encoded?: Uint8Array) {
    if (encoded !== undefined) this.result = [encoded];
    else {
      for (const [name, cut] of cuts) {
        const slot: Slot = { name, cut, steps: undefined, pieces: undefined };
        this.slots.push(slot);
        this.byName.set(name, slot);
        if (cut.freeze !== undefined && cut.count <= AT_CUT_ELEMENTS) this.encodeAtCut(slot);
        else cut.freeze?.hold(this);
      }
      if (this.failure !== undefined) this.release();
    }
    // Lists encoded already are never left out as empty: only an operator's own cut tells.
    this.isEmpty = encoded === undefined && cuts.size === 0;
  }

  /** Lists encoded already (a source's splits, a bootstrap's lists). */
  static of(bytes: Uint8Array): PendingOperatorLists {
    return new PendingOperatorLists(new Map(), bytes);
  }

  get done(): boolean {
    return this.result !== undefined;
  }

  /** The task is about to read or change state `name`: encodes it now, completely. */
  encodeState(name: string): void {
    const slot = this.byName.get(name);
    if (slot === undefined || slot.pieces !== undefined || this.failure !== undefined) return;
    const start = performance.now();
    try {
      this.finish(slot);
    } catch (error) {
      // Thrown into the function's state access it would fail the task; it fails this snapshot.
      this.failure = { error };
      this.release();
    }
    this.maxInlineEncodeMs = Math.max(this.maxInlineEncodeMs, performance.now() - start);
  }

  /**
   * A small state is encoded at the cut itself, as Flink copies operator state there: then even an
   * element the function still holds from before the barrier (one it added, or read) and changes
   * in place afterwards without reading it through the state is written as it was.
   */
  private encodeAtCut(slot: Slot): void {
    try {
      this.finish(slot);
    } catch (error) {
      // The snapshot fails at its next step, as for a state that fails to encode on access.
      this.failure ??= { error };
    }
  }

  private finish(slot: Slot): void {
    while (!this.step(slot));
  }

  /** One step of `slot`'s encoding (started if need be); true once the slot is encoded. */
  private step(slot: Slot): boolean {
    const r = (slot.steps ??= stateSteps(slot.name, slot.cut)).next();
    if (!r.done) return false;
    slot.steps = undefined;
    this.encoded(slot, r.value);
    return true;
  }

  private encoded(slot: Slot, pieces: Uint8Array[]): void {
    slot.pieces = pieces;
    slot.cut.freeze?.letGo(this);
  }

  /**
   * Encodes until `deadline` (performance.now() ms); true when done.
   *
   * @throws StateSerializationError naming the state if its serializer refuses an element
   */
  encodeUntil(deadline: number, now: () => number): boolean {
    if (this.failure !== undefined) throw this.failure.error;
    while (this.result === undefined) {
      while (this.next < this.slots.length && this.slots[this.next]!.pieces !== undefined) this.next++;
      const slot = this.slots[this.next];
      if (slot === undefined) {
        this.result = [arrayHeader(this.slots.length), ...this.slots.flatMap((s) => s.pieces!)];
        break;
      }
      this.step(slot);
      if (now() >= deadline) break;
    }
    return this.result !== undefined;
  }

  /** The lists section of the state file as chunks in order, encoded now if not yet. */
  chunks(): readonly Uint8Array[] {
    this.encodeUntil(Infinity, () => 0);
    return this.result!;
  }

  /** The lists section of the state file in one buffer (bootstraps, tests), encoded now if not yet. */
  bytes(): Uint8Array {
    const chunks = this.chunks();
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  }

  /** The snapshot is written or abandoned: its states are no longer frozen for it. */
  release(): void {
    for (const slot of this.slots) if (slot.pieces === undefined) slot.cut.freeze?.letGo(this);
  }
}

/** Elements serialized and packed between checks of the time budget. */
const STEP_ELEMENTS = 1024;

/**
 * A state of at most this many elements is encoded at the cut (records of four fields: 0.1 ms with
 * MessagePack, 0.6 ms with Avro, the least of 50 cuts); a larger one is frozen and encoded
 * afterwards. Offsets, a sink's buffer, a rule set: most operator state is this small.
 */
const AT_CUT_ELEMENTS = 256;

/** One state's part of the lists section, `[name, mode, elements, writers?]`, in pieces. */
function* stateSteps(name: string, { mode, values, count, writers, encode: one }: OperatorStateCut): Generator<void, Uint8Array[]> {
  const pieces: Uint8Array[] = [arrayHeader(writers ? 4 : 3), pack(name), pack(mode), arrayHeader(count)];
  const elements = values[Symbol.iterator]();
  for (let i = 0; i < count; i += STEP_ELEMENTS) {
    const chunk: unknown[] = new Array(Math.min(STEP_ELEMENTS, count - i));
    for (let j = 0; j < chunk.length; j++) {
      const r = elements.next();
      if (r.done === true) throw new Error(`internal: operator state '${name}' has fewer elements than at its cut`);
      chunk[j] = one ? one(r.value) : r.value;
    }
    pieces.push(elementsOf(pack(chunk)));
    yield;
  }
  if (writers) pieces.push(pack(writers));
  return pieces;
}

/** A MessagePack array header for `n` elements. */
function arrayHeader(n: number): Uint8Array {
  if (n < 16) return Uint8Array.of(0x90 | n);
  if (n < 0x10000) return Uint8Array.of(0xdc, n >> 8, n & 0xff);
  return Uint8Array.of(0xdd, n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

/** The elements of a packed array, without its header. */
function elementsOf(packed: Uint8Array): Uint8Array {
  const t = packed[0]!;
  if (t >= 0x90 && t <= 0x9f) return packed.subarray(1);
  if (t === 0xdc) return packed.subarray(3);
  if (t === 0xdd) return packed.subarray(5);
  throw new Error(`internal: a packed chunk of operator state elements starts with 0x${t.toString(16)}, not an array header`);
}
