import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FlinkError } from './errors.js';
import { echo } from './sanitize.js';

/** True if `input` is written as a `file:` URI (any case), not as a path. */
export function isFileUri(input: string): boolean {
  return /^file:/i.test(input);
}

/**
 * Why Node refused a `file:` URI, in the user's terms. Node's own messages name its internals
 * ("File URL host must be ... on linux").
 */
function whyInvalid(err: unknown): string {
  switch ((err as NodeJS.ErrnoException).code) {
    case 'ERR_INVALID_FILE_URL_HOST':
      return 'it names another host; only local file: URIs are supported (file:///path, or file://localhost/path)';
    case 'ERR_INVALID_FILE_URL_PATH':
      return "its path contains an encoded '/' (%2F), which cannot be part of a file name";
    default:
      return "it is not a valid file: URI (write file:///absolute/path)";
  }
}

/**
 * True if `input` is a URI of a scheme other than `file:` (`s3://`, `hdfs://`, `http://`):
 * Flink reads snapshots there, flink-ts does not, and resolved as a path it would name a
 * directory `s3:` under the current one.
 */
export function isRemoteUri(input: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(input) && !isFileUri(input);
}

/**
 * The absolute local path that a path or `file:` URI given by a user names. An empty path is
 * refused rather than read as the current directory (`-s "$SP"` with `SP` unset), and so is a
 * remote URI.
 *
 * @throws FlinkError `path.invalidUri`: one line naming the input and what is wrong with it
 */
export function localPathOf(input: string): string {
  if (input.trim() === '') {
    throw new FlinkError('path.invalidUri', `Cannot use '${echo(input)}': the path is empty; give a file or directory.`);
  }
  if (isRemoteUri(input)) {
    throw new FlinkError('path.invalidUri', `Cannot use '${echo(input)}': only local paths and file: URIs are supported (remote file systems are not); copy it to a local directory first.`);
  }
  if (!isFileUri(input)) return resolve(input);
  let path: string;
  try {
    path = fileURLToPath(input.replace(/^file:/i, 'file:'));
  } catch (err) {
    throw new FlinkError('path.invalidUri', `Cannot use '${echo(input)}': ${whyInvalid(err)}.`);
  }
  // Node decodes %00 and then refuses the path in every fs call with ERR_INVALID_ARG_VALUE, a
  // code, not a reason, in the line the user would read.
  if (path.includes('\0')) throw new FlinkError('path.invalidUri', `Cannot use '${echo(input)}': its path contains an encoded NUL byte (%00), which cannot be part of a file name.`);
  return path;
}
