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
 * The absolute local path that a path or `file:` URI given by a user names.
 *
 * @throws FlinkError `path.invalidUri`: one line naming the URI and what is wrong with it
 */
export function localPathOf(input: string): string {
  if (!isFileUri(input)) return resolve(input);
  try {
    return fileURLToPath(input.replace(/^file:/i, 'file:'));
  } catch (err) {
    throw new FlinkError('path.invalidUri', `Cannot use '${echo(input)}': ${whyInvalid(err)}.`);
  }
}
