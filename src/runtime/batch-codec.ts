import { pack, unpack } from '../util/binary-codec.js';
import { CheckpointBarrier, type ChannelEvent, EndOfInput, RecordBatch, Watermark, WatermarkStatus } from './channel-events.js';

/**
 * Binary encoding of channel events, for handing a whole batch to another thread or process in
 * one buffer (never one message per record). A batch's timestamps travel as one Float64Array.
 */

const RECORDS = 0;
const BARRIER = 1;
const END = 2;
const WATERMARK = 3;
const STATUS = 4;

/** Encodes one event into a buffer. */
export function encodeEvent(event: ChannelEvent): Uint8Array {
  if (event instanceof RecordBatch) {
    const ts = event.timestamps;
    const timestamps = ts === undefined ? null : ts instanceof Float64Array ? ts : Float64Array.from(ts);
    return pack([RECORDS, event.values, event.keys ?? null, event.keyGroups ?? null, timestamps]);
  }
  if (event instanceof CheckpointBarrier) {
    return pack([BARRIER, event.checkpointId, event.timestamp, event.options.isSavepoint, event.options.aligned, event.options.full === true]);
  }
  if (event instanceof Watermark) return pack([WATERMARK, event.timestamp]);
  if (event instanceof WatermarkStatus) return pack([STATUS, event.idle]);
  return pack([END]);
}

/** Decodes a buffer made by {@link encodeEvent}. */
export function decodeEvent(buffer: Uint8Array): ChannelEvent {
  const msg = unpack(buffer) as unknown[];
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
