import * as fs from 'node:fs';

/**
 * Reading a file whose path a user (or a snapshot) gave, without ever hanging on it: a FIFO
 * with no writer blocks `readFileSync` forever, a character device never ends, and a directory
 * or socket cannot be read at all.
 */

/** The path names something other than a regular file; the message says what, e.g. "a FIFO". */
export class NotRegularFileError extends Error {
  constructor(readonly kind: string) {
    super(`it is ${kind}, not a regular file`);
  }
}

/** The file is larger than the reader accepts. */
export class FileTooLargeError extends Error {
  constructor(
    readonly size: number,
    readonly limit: number,
  ) {
    super(`it has ${size} bytes, more than the ${limit} accepted`);
  }
}

/** What kind of file `st` describes, in words for a message. */
export function fileKind(st: fs.Stats): string {
  if (st.isFile()) return 'a regular file';
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

const { O_RDONLY, O_NONBLOCK = 0, O_NOCTTY = 0, O_NOFOLLOW = 0 } = fs.constants;

/** Default upper bound of {@link readRegularFileSync}: far above any `_metadata` or config file. */
export const DEFAULT_MAX_BYTES = 256 * 1024 * 1024;

/** How {@link readRegularFileSync} treats a symbolic link as the file itself. */
export interface ReadRegularFileOptions {
  /**
   * Refuse it (NotRegularFileError "a symbolic link") rather than read what it points to: for a
   * file named inside a directory whose contents must stay inside it (a snapshot's `_metadata`).
   * Links among the directories above are followed either way.
   */
  readonly noFollow?: boolean;
}

/**
 * Reads a regular file (symbolic links followed unless `noFollow`). The file is opened
 * non-blocking, so opening a FIFO or a device returns at once, and its type is checked on the
 * open descriptor, so nothing can be swapped in between the check and the read.
 *
 * @throws NotRegularFileError for a FIFO, device, socket or directory (and, with `noFollow`, a symbolic link)
 * @throws FileTooLargeError above `maxBytes`
 * @throws the `fs` error (ENOENT, EACCES, ...) if it cannot be opened
 */
export function readRegularFileSync(path: string, maxBytes = DEFAULT_MAX_BYTES, options: ReadRegularFileOptions = {}): Buffer {
  let fd: number;
  try {
    fd = fs.openSync(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | (options.noFollow ? O_NOFOLLOW : 0));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // A directory opens on Linux; elsewhere EISDIR says the same.
    if (code === 'EISDIR') throw new NotRegularFileError('a directory');
    // O_NOFOLLOW's refusal; a loop among the directories above gives ELOOP too, and is not one.
    if (code === 'ELOOP' && options.noFollow && fs.lstatSync(path, { throwIfNoEntry: false })?.isSymbolicLink()) throw new NotRegularFileError('a symbolic link');
    throw err;
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new NotRegularFileError(fileKind(st));
    if (st.size > maxBytes) throw new FileTooLargeError(st.size, maxBytes);
    const buffer = Buffer.allocUnsafe(st.size);
    let read = 0;
    while (read < buffer.length) {
      const n = fs.readSync(fd, buffer, read, buffer.length - read, read);
      if (n === 0) break;
      read += n;
    }
    return read === buffer.length ? buffer : buffer.subarray(0, read);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Why a path given by a user could not be reached, in words for a message: a loop of symbolic
 * links or a missing permission is not "no such file".
 */
export function whyUnreachable(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'ELOOP':
      return 'its path runs into a loop of symbolic links';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOTDIR':
      return 'a part of its path is a file, not a directory';
    case 'ENAMETOOLONG':
      return 'the path is too long';
    default:
      return code ?? (err instanceof Error ? err.message : String(err));
  }
}
