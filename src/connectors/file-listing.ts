import { readdirSync, realpathSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { isFile } from './text-file-source.js';

/**
 * The files under `dir`, by path relative to it, sorted: sub-directories are read recursively,
 * as by Flink's default enumerator; names starting with `.` or `_` are skipped, a directory's as
 * a file's (Flink's DefaultFileFilter); symbolic links are followed, as Flink's local file system
 * follows them, and a directory reached a second time (a link back up the tree) is not read again.
 */
export function listFiles(dir: string): string[] {
  // Flink's enumerator filters the path it is given as it filters what it finds under it: a
  // hidden one (that exists) yields nothing. A file given as the path is the source's one file
  // (Flink takes files and directories alike), named '' relative to itself.
  const rootHidden = isHidden(basename(dir));
  if (isFile(dir)) return rootHidden ? [] : [''];
  const files: string[] = [];
  const seen = new Set<string>();
  const walk = (path: string, prefix: string): void => {
    let entries;
    try {
      const real = realpathSync(path);
      if (seen.has(real)) return;
      seen.add(real);
      entries = readdirSync(path, { withFileTypes: true });
    } catch (err) {
      // The directory itself must be there; a sub-directory removed while listing is skipped.
      if (prefix === '') throw new Error(`Cannot read ${path} (the FileSource's file or directory): ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      return;
    }
    if (prefix === '' && rootHidden) return;
    for (const e of entries) {
      if (isHidden(e.name)) continue;
      const full = join(path, e.name);
      const kind = e.isSymbolicLink() ? kindBehind(full) : e.isDirectory() ? 'dir' : e.isFile() ? 'file' : undefined;
      if (kind === 'file') files.push(prefix + e.name);
      else if (kind === 'dir') walk(full, `${prefix}${e.name}/`);
    }
  };
  walk(dir, '');
  return files.sort();
}

/** What a symbolic link leads to; undefined if nowhere (a broken link is skipped). */
function kindBehind(path: string): 'file' | 'dir' | undefined {
  try {
    const st = statSync(path);
    return st.isFile() ? 'file' : st.isDirectory() ? 'dir' : undefined;
  } catch {
    return undefined;
  }
}

/** Flink's DefaultFileFilter: names starting with `.` or `_` are hidden (a root's empty name is not). */
function isHidden(name: string): boolean {
  return name.startsWith('.') || name.startsWith('_');
}
