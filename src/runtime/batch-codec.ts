import { Packr } from 'msgpackr';
import { deserialize, serialize } from 'node:v8';
import { pack as packWithReferences, refuseFunction, unpack as unpackWithReferences } from '../util/binary-codec.js';
import { RecordEncodingError, messageOf } from '../util/errors.js';
import { MIN_TIMESTAMP } from '../util/time.js';
import { CheckpointBarrier, type ChannelEvent, EndOfInput, RecordBatch, Watermark, WatermarkStatus } from './channel-events.js';
import { decodeColumns, encodeColumns } from './columnar-batch.js';
import { holdsLossyString, mayHoldLossyStrings } from './lossy-strings.js';

/**
 * Binary encoding of channel events, for handing a whole batch to another thread in one buffer
 * (never one message per record). A batch's timestamps travel as one Float64Array.
 *
 * A batch goes as columns (columnar-batch.ts): numbers and objects of one shape as typed arrays,
 * the rest in MessagePack. Records are plain data, not an object graph: they are encoded without
 * msgpackr's reference tracking (its structuredClone mode, which made encoding a batch ~1.6×
 * slower). A batch that needs references (a value that refers to itself) is encoded with them by
 * the engine's general codec (util/binary-codec.ts). The first byte of every buffer says which.
 */

const RECORDS = 0;
const BARRIER = 1;
const END = 2;
const WATERMARK = 3;
const STATUS = 4;

/** Byte 0 of every encoded event: how the rest is laid out. */
const MSGPACK = 0;
/** MessagePack with reference tracking (util/binary-codec.ts), for values that refer to themselves. */
const WITH_REFERENCES = 1;
/** A record batch as columns (columnar-batch.ts). */
const COLUMNS = 2;
/**
 * V8's structured clone, for a batch with a string MessagePack would change (half a surrogate
 * pair, a field named `__proto__`: lossy-strings.ts): rare, and slower per record, but it keeps
 * every string as it is.
 * Read only from this process's own channels, never from disk.
 */
const STRUCTURED = 3;

// Maps, Sets, Dates, bigints, typed arrays and errors round-trip (moreTypes); a MessagePack map
// decodes as a Map, since every plain object is written as a record.
// A function is refused, not written as undefined (util/binary-codec.ts says why).
const plain = new Packr({ moreTypes: true, mapsAsObjects: false, writeFunction: refuseFunction });

function batchMessage(event: RecordBatch): unknown[] {
  const ts = event.timestamps;
  const timestamps = ts === undefined ? null : ts instanceof Float64Array ? ts : Float64Array.from(ts);
  const keys = event.keys === undefined ? null : Array.isArray(event.keys) ? event.keys : Array.from(event.keys);
  const keyGroups = event.keyGroups === undefined ? null : Array.isArray(event.keyGroups) ? event.keyGroups : Array.from(event.keyGroups);
  return [RECORDS, event.values, keys, keyGroups, timestamps];
}

/** `body` behind a format byte, in a buffer of its own (the encoder's is reused by the next call). */
function framed(format: number, body: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(body.length + 1);
  bytes[0] = format;
  bytes.set(body, 1);
  return bytes;
}

/**
 * Encodes one event into a buffer of its own: its `.buffer` holds exactly these bytes, so it can
 * be transferred to another thread.
 */
export function encodeEvent(event: ChannelEvent): Uint8Array {
  if (event instanceof RecordBatch) return encodeBatches([event]);
  if (event instanceof CheckpointBarrier) {
    return framed(MSGPACK, plain.pack([BARRIER, event.checkpointId, event.timestamp, event.options.isSavepoint, event.options.aligned, event.options.full === true, event.options.latestCompleted ?? null]));
  }
  if (event instanceof Watermark) return framed(MSGPACK, plain.pack([WATERMARK, event.timestamp]));
  if (event instanceof WatermarkStatus) return framed(MSGPACK, plain.pack([STATUS, event.idle]));
  return framed(MSGPACK, plain.pack([END, event.drained]));
}

/**
 * Encodes a run of record batches (all keyed or none) as one batch, into a buffer of its own
 * (as {@link encodeEvent}).
 */
export function encodeBatches(batches: readonly RecordBatch[]): Uint8Array {
  const encoded = encodeLossy(batches);
  return mayHoldLossyStrings(encoded) && batches.some(holdsLossyStringIn) ? framed(STRUCTURED, serialize(batchMessage(oneBatch(batches)))) : encoded;
}

/** The batches in MessagePack, as columns where they fit; a half surrogate pair becomes U+FFFD, a `__proto__` field `__proto_`. */
function encodeLossy(batches: readonly RecordBatch[]): Uint8Array {
  try {
    return encodeColumns(batches, COLUMNS, plain) ?? framed(MSGPACK, plain.pack(batchMessage(oneBatch(batches))));
  } catch (err) {
    // Too deep to be plain data: a cycle.
    if (!(err instanceof RangeError)) throw unencodable(err);
    try {
      return framed(WITH_REFERENCES, packWithReferences(batchMessage(oneBatch(batches))));
    } catch (again) {
      throw unencodable(again);
    }
  }
}

function oneBatch(batches: readonly RecordBatch[]): RecordBatch {
  return batches.length === 1 ? batches[0]! : concatBatches(batches);
}

function holdsLossyStringIn(batch: RecordBatch): boolean {
  const seen = new Set<object>();
  if (holdsLossyString(batch.values, seen)) return true;
  const keys = batch.keys;
  if (keys !== undefined) for (let i = 0; i < keys.length; i++) if (holdsLossyString(keys[i], seen)) return true;
  return false;
}

/**
 * What msgpackr throws for a value it has no encoding for ("Unknown type: symbol"; a function's
 * "Unknown type: function" is ours), as one line that says where and what to do: it surfaces as
 * the producing operator's failure.
 */
function unencodable(err: unknown): RecordEncodingError {
  return new RecordEncodingError(
    `A record cannot be copied to its consumer subtask in another worker thread: ${messageOf(err)}. Records must be plain data: numbers, strings, booleans, bigints, null, arrays, plain objects, Maps, Sets, Dates and typed arrays; a Symbol or a function cannot be copied (a class instance arrives as a plain object, without its methods).`,
    { cause: err },
  );
}

/** Decodes a buffer made by {@link encodeEvent} or {@link encodeBatches}. */
export function decodeEvent(buffer: Uint8Array): ChannelEvent {
  const format = buffer[0];
  if (format === COLUMNS) return decodeColumns(buffer, plain);
  if (format !== MSGPACK && format !== WITH_REFERENCES && format !== STRUCTURED) throw new Error(`Unknown channel event format ${String(format)}`);
  const body = buffer.subarray(1);
  const msg = (format === STRUCTURED ? deserialize(body) : format === WITH_REFERENCES ? unpackWithReferences(body) : plain.unpack(body)) as unknown[];
  switch (msg[0]) {
    case RECORDS:
      return new RecordBatch(
        msg[1] as unknown[],
        (msg[2] as unknown[] | null) ?? undefined,
        (msg[3] as number[] | null) ?? undefined,
        (msg[4] as Float64Array | null | undefined) ?? undefined,
      );
    case BARRIER:
      return new CheckpointBarrier(msg[1] as number, msg[2] as number, {
        isSavepoint: msg[3] as boolean,
        aligned: msg[4] as boolean,
        ...(msg[5] === true ? { full: true } : {}),
        ...(typeof msg[6] === 'number' ? { latestCompleted: msg[6] } : {}),
      });
    case END:
      return EndOfInput.of(msg[1] === true);
    case WATERMARK:
      return new Watermark(msg[1] as number);
    case STATUS:
      return WatermarkStatus.of(msg[1] === true);
    default:
      throw new Error(`Unknown channel event type ${String(msg[0])}`);
  }
}

/** One batch of the records of `batches`, in order (all keyed, or none; timestamps where any had them). */
export function concatBatches(batches: readonly RecordBatch[]): RecordBatch {
  const values: unknown[] = [];
  const keyed = batches[0]!.keys !== undefined;
  const keys: unknown[] | undefined = keyed ? [] : undefined;
  const keyGroups: number[] | undefined = keyed ? [] : undefined;
  let timestamps: Float64Array | undefined;
  let at = 0;
  for (const b of batches) {
    const n = b.values.length;
    for (let i = 0; i < n; i++) values.push(b.values[i]);
    if (keys && keyGroups) {
      for (let i = 0; i < n; i++) {
        keys.push(b.keys![i]);
        keyGroups.push(b.keyGroups![i]!);
      }
    }
    if (b.timestamps !== undefined) {
      if (timestamps === undefined) {
        let total = 0;
        for (const c of batches) total += c.values.length;
        timestamps = new Float64Array(total).fill(MIN_TIMESTAMP);
      }
      for (let i = 0; i < n; i++) timestamps[at + i] = b.timestamps[i]!;
    }
    at += n;
  }
  return new RecordBatch(values, keys, keyGroups, timestamps);
}
