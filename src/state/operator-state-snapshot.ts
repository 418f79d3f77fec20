import { pack } from '../util/binary-codec.js';
import type { OperatorStateMode } from './operator-state-store.js';
import type { WriterRuns } from './operator-state-writers.js';

/** One operator state at a checkpoint's cut: its elements, and how each is written. */
export interface OperatorStateCut {
  readonly mode: OperatorStateMode;
  /** A copy of the state's array of elements (broadcast state: its `[key, value]` entries) taken at the cut. */
  readonly values: readonly unknown[];
  /** Recorded with the elements (absent: all MessagePack, inline). */
  readonly writers?: WriterRuns;
  /** The element as the snapshot holds it (its serializer's bytes); undefined: stored as it is. */
  readonly encode?: (element: unknown) => unknown;
}

/**
 * The operator lists of a snapshot in progress (list, union and broadcast state), as
 * PendingKeyedSnapshot is for keyed state: the cut only copies each state's array of element
 * references; serializing the elements and packing them into the state file's lists section
 * happens afterwards, `STEP_ELEMENTS` at a time between processing slices, so a large list no
 * longer lengthens the pause at the barrier. The bytes are those {@link encodeLists} writes (same
 * format): MessagePack arrays are a header then their elements, so the elements are packed in
 * chunks behind a header written here. One difference, invisible to readers: an object added
 * twice to a list is restored as two equal objects if the copies fall in different chunks
 * (MessagePack's reference tracking spans one chunk).
 */
export class PendingOperatorLists {
  private readonly steps: Generator<void, Uint8Array>;
  private result: Uint8Array | undefined;

  /** No operator state at all (nothing registered or restored). */
  readonly isEmpty: boolean;

  constructor(cuts: ReadonlyMap<string, OperatorStateCut>, encoded?: Uint8Array) {
    this.steps = encode(cuts);
    this.result = encoded;
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

  /**
   * Encodes until `deadline` (performance.now() ms); true when done.
   *
   * @throws StateSerializationError naming the state if its serializer refuses an element
   */
  encodeUntil(deadline: number, now: () => number): boolean {
    while (this.result === undefined) {
      const r = this.steps.next();
      if (r.done) this.result = r.value;
      else if (now() >= deadline) break;
    }
    return this.result !== undefined;
  }

  /** The lists section of the state file, encoded now if not yet. */
  bytes(): Uint8Array {
    this.encodeUntil(Infinity, () => 0);
    return this.result!;
  }
}

/** Elements serialized and packed between checks of the time budget. */
const STEP_ELEMENTS = 1024;

function* encode(cuts: ReadonlyMap<string, OperatorStateCut>): Generator<void, Uint8Array> {
  const pieces: Uint8Array[] = [arrayHeader(cuts.size)];
  for (const [name, { mode, values, writers, encode: one }] of cuts) {
    pieces.push(arrayHeader(writers ? 4 : 3), pack(name), pack(mode), arrayHeader(values.length));
    for (let i = 0; i < values.length; i += STEP_ELEMENTS) {
      const chunk = values.slice(i, i + STEP_ELEMENTS);
      pieces.push(elementsOf(pack(one ? chunk.map(one) : chunk)));
      yield;
    }
    if (writers) pieces.push(pack(writers));
  }
  return Buffer.concat(pieces);
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
