import { utf8CharsetName } from './utf8-charset.js';
import { formatRecord } from '../util/format-record.js';

/** Turns a record into one line of text (the sink adds the newline). */
export type Encoder<T> = (element: T) => string;

/** An encoder as an object, as Flink's `Encoder` interface: `encode` returns the record's line. */
export interface EncoderObject<T> {
  encode(element: T): string;
}

/**
 * Writes each record as its text and a newline (Flink's `SimpleStringEncoder`, which writes
 * `toString()`): strings as they are, other values as `print()` shows them. Files are UTF-8, the
 * one charset taken here (Flink takes any Java charset name).
 *
 * @example FileSink.forRowFormat('out', new SimpleStringEncoder<string>('UTF-8')).build()
 */
export class SimpleStringEncoder<T = unknown> implements EncoderObject<T> {
  readonly charsetName: string;

  constructor(charsetName = 'UTF-8') {
    this.charsetName = utf8CharsetName('SimpleStringEncoder', 'written', charsetName);
  }

  encode(element: T): string {
    return formatRecord(element);
  }
}

/** `encoder` as a function (undefined: the record's text), refusing anything else in one line. */
export function encoderOf<T>(encoder: Encoder<T> | EncoderObject<T> | undefined): Encoder<T> {
  if (encoder === undefined) return formatRecord;
  if (typeof encoder === 'function') return encoder;
  if (typeof (encoder as Partial<EncoderObject<T>> | null)?.encode === 'function') return (element) => encoder.encode(element);
  throw new TypeError('FileSink.forRowFormat takes an encoder: a function (record) => line, or an object with encode(record), e.g. new SimpleStringEncoder().');
}
