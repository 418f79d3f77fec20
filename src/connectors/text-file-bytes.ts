import { closeSync, openSync, readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { gunzipSync, inflateSync } from 'node:zlib';

/**
 * Opening a text file for a {@link TextLineCursor}, decompressed by its extension as Flink's file
 * formats do (StandardDeCompression): `.gz` and `.gzip` (every member of a concatenated file),
 * `.deflate` (zlib-wrapped, as Java's InflaterInputStream reads it). A compressed file is
 * decompressed into memory when it is opened: its lines' offsets (a source's position) are
 * offsets into those bytes, and a restore decompresses it again and goes on at the offset.
 * The other formats Flink decompresses (`.bz2`, `.xz`, `.zst`) are refused in one line rather
 * than read as text; any other file is read in place.
 */

/** The most a compressed file may decompress to (it is held in memory while it is read). */
export const MAX_DECOMPRESSED_BYTES = 1 << 30;

const DECOMPRESS: Readonly<Record<string, (bytes: Buffer, options: { maxOutputLength: number }) => Buffer>> = {
  '.gz': gunzipSync,
  '.gzip': gunzipSync,
  '.deflate': inflateSync,
};

const NOT_DECOMPRESSED = new Set(['.bz2', '.xz', '.zst', '.zstd']);

/** A text file opened to be read: a file descriptor, or its decompressed bytes. */
export interface TextFileBytes {
  readonly source: number | Buffer;
  close(): void;
}

/**
 * Opens `path` (a file named by the user, or found in a directory) to be read as text.
 * @throws Error in one line naming the file and the problem
 */
export function openTextFile(path: string): TextFileBytes {
  const ext = extname(path).toLowerCase();
  if (NOT_DECOMPRESSED.has(ext)) {
    throw new Error(`Cannot read ${path}: ${ext} files are not decompressed here (only .gz, .gzip and .deflate are); decompress it first, or recompress it with gzip.`);
  }
  const decompress = DECOMPRESS[ext];
  if (decompress === undefined) {
    const fd = openSync(path, 'r');
    return { source: fd, close: () => closeSync(fd) };
  }
  const compressed = readFileSync(path);
  let bytes: Buffer;
  try {
    bytes = decompress(compressed, { maxOutputLength: MAX_DECOMPRESSED_BYTES });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ERR_BUFFER_TOO_LARGE' ? `it decompresses to more than ${MAX_DECOMPRESSED_BYTES / (1 << 20)} MiB, the most read into memory; split it into smaller files` : `it is not a valid ${ext} file (${e.message})`;
    throw new Error(`Cannot decompress ${path}: ${why}.`);
  }
  return { source: bytes, close: () => {} };
}
