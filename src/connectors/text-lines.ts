import { readSync } from 'node:fs';

/**
 * Where a text line ends, as Flink's two text formats end it:
 * - `lf`: at `\n`, a `\r` right before it (or at the end of the file) dropped — Flink's
 *   TextInputFormat, behind `readTextFile`; a lone `\r` stays in the line.
 * - `any`: at `\n`, `\r` or `\r\n` — Flink's TextLineInputFormat (Java's `readLine`), behind
 *   the FileSource's text lines.
 */
export type LineEndings = 'lf' | 'any';

const LF = 10;
const CR = 13;
const CHUNK = 1 << 16;

/**
 * Reads a file's UTF-8 lines from a byte offset, one at a time, keeping the offset of the next
 * unread line (a source's position: a restored reader goes on at the exact next line).
 *
 * Bytes are read into one buffer, compacted or doubled when full, and scanned only once for
 * line ends: a line of 100 MB (a minified JSON file) costs its size in reads and scans, not its
 * size times the number of chunks it spans.
 */
export class TextLineCursor {
  private store = Buffer.allocUnsafe(CHUNK);
  /** The first unread byte in `store`, and the end of what was read into it. */
  private start = 0;
  private end = 0;
  /** Bytes from `start` known to hold no line end. */
  private scanned = 0;
  private eof = false;

  /**
   * @param source an open file, or a file's bytes already in memory (a decompressed file)
   * @param position the offset of the first line to read
   */
  constructor(
    private readonly source: number | Buffer,
    private position: number,
    private readonly endings: LineEndings,
  ) {}

  /** The offset of the next unread line (in a compressed file, of its decompressed bytes). */
  get offset(): number {
    return this.position;
  }

  /** The next line, without its line end; null at the end of the file. */
  next(): string | null {
    for (;;) {
      const line = this.cut();
      if (line !== undefined) return line;
      if (this.eof) return this.rest();
      this.fill();
    }
  }

  /** The line ending within what was read, if one does (undefined if more bytes must come first). */
  private cut(): string | undefined {
    const s = this.store;
    const from = this.start + this.scanned;
    let lf = s.indexOf(LF, from);
    if (lf >= this.end) lf = -1;
    if (this.endings === 'any') {
      const cr = s.subarray(from, lf < 0 ? this.end : lf).indexOf(CR);
      if (cr >= 0) {
        const at = from + cr;
        if (at + 1 < this.end) return this.take(at, s[at + 1] === LF ? 2 : 1);
        // A `\r` last in the buffer: `\r\n` is one line end, so the next byte decides.
        if (this.eof) return this.take(at, 1);
        this.scanned = at - this.start;
        return undefined;
      }
      if (lf >= 0) return this.take(lf, 1);
    } else if (lf >= 0) {
      return lf > this.start && s[lf - 1] === CR ? this.take(lf - 1, 2) : this.take(lf, 1);
    }
    this.scanned = this.end - this.start;
    return undefined;
  }

  /** The line up to `at`, its line end of `endLength` bytes consumed with it. */
  private take(at: number, endLength: number): string {
    const line = this.store.toString('utf8', this.start, at);
    this.consume(at + endLength - this.start);
    return line;
  }

  /** What is left after the last line end: a last line without one, or null if nothing is. */
  private rest(): string | null {
    let end = this.end;
    if (end === this.start) return null;
    const held = end - this.start;
    if (this.endings === 'lf' && this.store[end - 1] === CR) end--;
    const line = this.store.toString('utf8', this.start, end);
    this.consume(held);
    return line;
  }

  private consume(bytes: number): void {
    this.start += bytes;
    this.position += bytes;
    this.scanned = 0;
  }

  /** Reads more of the file after what is held: into the room left, else after compacting, else into a buffer twice the size. */
  private fill(): void {
    if (this.end === this.store.length) {
      const held = this.end - this.start;
      if (2 * held > this.store.length) {
        const grown = Buffer.allocUnsafe(2 * this.store.length);
        this.store.copy(grown, 0, this.start, this.end);
        this.store = grown;
      } else {
        this.store.copy(this.store, 0, this.start, this.end);
      }
      this.start = 0;
      this.end = held;
    }
    const from = this.position + (this.end - this.start);
    const src = this.source;
    const n =
      typeof src === 'number'
        ? readSync(src, this.store, this.end, this.store.length - this.end, from)
        : from >= src.length
          ? 0
          : src.copy(this.store, this.end, from, Math.min(src.length, from + this.store.length - this.end));
    if (n === 0) this.eof = true;
    else this.end += n;
  }
}
