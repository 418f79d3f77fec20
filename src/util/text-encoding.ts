/**
 * Text files a user hands over (config.yaml, a job file) must be UTF-8, as YAML and Node's module
 * loader read them. A file saved as UTF-16 (Windows editors offer it as "Unicode"), or a binary
 * file given by mistake, otherwise decodes into replacement characters and NULs, and the message
 * that follows blames a line of it ("expected a map of settings", `Unexpected "�"`) instead of
 * its encoding.
 */

/** Byte-order marks of encodings other than UTF-8, longest first (UTF-32LE begins with UTF-16LE's). */
const FOREIGN_BOMS: ReadonlyArray<readonly [name: string, bom: readonly number[]]> = [
  ['UTF-32', [0xff, 0xfe, 0x00, 0x00]],
  ['UTF-32', [0x00, 0x00, 0xfe, 0xff]],
  ['UTF-16', [0xff, 0xfe]],
  ['UTF-16', [0xfe, 0xff]],
];

/** The 1-based line of `offset` in `bytes` (a line ends at `\n`). */
function lineOf(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (bytes[i] === 0x0a) line++;
  return line;
}

/** The encoding whose byte-order mark `bytes` starts with, when that is not UTF-8's. */
export function foreignByteOrderMark(bytes: Uint8Array): string | undefined {
  return FOREIGN_BOMS.find(([, bom]) => bytes.length >= bom.length && bom.every((b, i) => bytes[i] === b))?.[0];
}

/** The words for a file that starts with `encoding`'s byte-order mark, to finish "Cannot read <file>: …". */
export function foreignEncodingReason(encoding: string): string {
  return `it is ${encoding} text (it starts with a ${encoding} byte-order mark), not UTF-8; save it as UTF-8`;
}

/**
 * Why `bytes` is not UTF-8 text, in words that finish "Cannot read <file>: …", or undefined when
 * it is: a foreign byte-order mark, a NUL byte, or a byte sequence UTF-8 does not have (a
 * Latin-1 `é`, which would otherwise read as U+FFFD).
 */
export function notUtf8TextReason(bytes: Uint8Array): string | undefined {
  const bom = foreignByteOrderMark(bytes);
  if (bom !== undefined) return foreignEncodingReason(bom);
  const nul = bytes.indexOf(0);
  if (nul >= 0) return `it holds a NUL byte (line ${lineOf(bytes, nul)}), so it is not UTF-8 text (UTF-16, or a binary file?); save it as UTF-8`;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return undefined;
  } catch {
    return `it is not UTF-8 text (line ${lineOf(bytes, firstInvalidUtf8(bytes))} holds a byte that is not UTF-8, as Latin-1 writes 'é'); save it as UTF-8`;
  }
}

/** The offset of the first byte of `bytes` that does not start or continue a valid UTF-8 sequence. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  // Halving on the longest prefix that still decodes (streaming: a prefix may end inside a
  // sequence); at most ~log2(n) decodes, each on a fresh decoder.
  let lo = 0;
  let hi = bytes.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, mid), { stream: true });
      lo = mid;
    } catch {
      hi = mid - 1;
    }
  }
  return lo;
}
