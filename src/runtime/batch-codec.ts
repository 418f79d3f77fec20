import { Packr } from 'msgpackr';
import { pack as packWithReferences, unpack as unpackWithReferences } from '../util/binary-codec.js';
import { CheckpointBarrier, type ChannelEvent, EndOfInput, RecordBatch, Watermark, WatermarkStatus } from './channel-events.js';

/**
 * Binary encoding of channel events, for handing a whole batch to another thread in one buffer
 * (never one message per record). A batch's timestamps travel as one Float64Array.
 *
 * Records are plain data, not an object graph: they are encoded without msgpackr's reference
 * tracking (its structuredClone mode, which made encoding a batch ~1.6× slower), each object
 * shape's field names once per batch. A batch that needs references (a value that refers to
 * itself) is encoded with them by the engine's general codec (util/binary-codec.ts), marked by its
 * first byte.
 */

const RECORDS = 0;
const BARRIER = 1;
const END = 2;
const WATERMARK = 3;
const STATUS = 4;
/** The first byte of a batch encoded with reference tracking: 0xc1 is the one byte MessagePack never uses. */
const WITH_REFERENCES = 0xc1;

// Maps, Sets, Dates, bigints, typed arrays and errors round-trip (moreTypes); a MessagePack map
// decodes as a Map, since every plain object is written as a record.
const plain = new Packr({ moreTypes: true, mapsAsObjects: false });

function batchMessage(event: RecordBatch): unknown[] {
  const ts = event.timestamps;
  const timestamps = ts === undefined ? null : ts instanceof Float64Array ? ts : Float64Array.from(ts);
  return [RECORDS, event.values, event.keys ?? null, event.keyGroups ?? null, timestamps];
}

/**
 * Encodes one event. The bytes are the encoder's own buffer, valid until the next call: copy
 * them (or post them, which copies) before encoding again.
 */
export function encodeEvent(event: ChannelEvent): Uint8Array {
  if (event instanceof RecordBatch) {
    try {
      return plain.pack(batchMessage(event));
    } catch (err) {
      // Too deep to be plain data: a cycle.
      if (!(err instanceof RangeError)) throw err;
      const body = packWithReferences(batchMessage(event));
      const bytes = new Uint8Array(body.length + 1);
      bytes[0] = WITH_REFERENCES;
      bytes.set(body, 1);
      return bytes;
    }
  }
  if (event instanceof CheckpointBarrier) {
    return plain.pack([BARRIER, event.checkpointId, event.timestamp, event.options.isSavepoint, event.options.aligned, event.options.full === true]);
  }
  if (event instanceof Watermark) return plain.pack([WATERMARK, event.timestamp]);
  if (event instanceof WatermarkStatus) return plain.pack([STATUS, event.idle]);
  return plain.pack([END]);
}

/** Decodes a buffer made by {@link encodeEvent}. */
export function decodeEvent(buffer: Uint8Array): ChannelEvent {
  const msg = (buffer[0] === WITH_REFERENCES ? unpackWithReferences(buffer.subarray(1)) : plain.unpack(buffer)) as unknown[];
  switch (msg[0]) {
    case RECORDS:
      return new RecordBatch(
        msg[1] as unknown[],
        (msg[2] as unknown[] | null) ?? undefined,
        (msg[3] as number[] | null) ?? undefined,
        (msg[4] as Float64Array | null | undefined) ?? undefined,
      );
    case BARRIER:
      return new CheckpointBarrier(msg[1] as number, msg[2] as number, { isSavepoint: msg[3] as boolean, aligned: msg[4] as boolean, ...(msg[5] === true ? { full: true } : {}) });
    case END:
      return EndOfInput.INSTANCE;
    case WATERMARK:
      return new Watermark(msg[1] as number);
    case STATUS:
      return WatermarkStatus.of(msg[1] === true);
    default:
      throw new Error(`Unknown channel event type ${String(msg[0])}`);
  }
}
