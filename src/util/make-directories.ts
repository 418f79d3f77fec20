import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import { dirname } from 'node:path';

/*
 * `mkdir -p` that always ends. Node's `mkdir(..., { recursive: true })` never returns where the
 * system answers ENOENT for a directory whose parent exists (anywhere under /proc, for one): it
 * retries forever, in the caller's thread for mkdirSync and in a thread-pool thread otherwise.
 * Here a directory that still cannot be created once its parent exists is an error.
 */

function isCode(err: unknown, code: string): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === code;
}

/** Creates `dir` and its missing parents (new ones with `mode`); an existing directory is fine. */
export async function makeDirectories(dir: string, mode = 0o700): Promise<void> {
  try {
    await fsp.mkdir(dir, { mode });
    return;
  } catch (err) {
    if (isCode(err, 'EEXIST') && (await fsp.stat(dir)).isDirectory()) return;
    const parent = dirname(dir);
    if (!isCode(err, 'ENOENT') || parent === dir) throw err;
    await makeDirectories(parent, mode);
  }
  try {
    await fsp.mkdir(dir, { mode });
  } catch (err) {
    if (!(isCode(err, 'EEXIST') && (await fsp.stat(dir)).isDirectory())) throw err;
  }
}

/** {@link makeDirectories}, synchronously: only where the caller cannot wait (opening an embedded store). */
export function makeDirectoriesSync(dir: string, mode = 0o700): void {
  try {
    fs.mkdirSync(dir, { mode });
    return;
  } catch (err) {
    if (isCode(err, 'EEXIST') && fs.statSync(dir).isDirectory()) return;
    const parent = dirname(dir);
    if (!isCode(err, 'ENOENT') || parent === dir) throw err;
    makeDirectoriesSync(parent, mode);
  }
  try {
    fs.mkdirSync(dir, { mode });
  } catch (err) {
    if (!(isCode(err, 'EEXIST') && fs.statSync(dir).isDirectory())) throw err;
  }
}
