import type { DirectorySplit } from './directory-split-reader.js';

/**
 * One file of a FileSource and the byte offset of its next line (Flink's FileSourceSplit: a
 * whole file, as its TextLineInputFormat is not splittable). The enumerator hands it out at
 * offset 0; a reader's snapshot records how far it got.
 */
export interface FileSplit {
  /** The path the source was given (a directory, or the file itself). */
  readonly dir: string;
  /** The file's path relative to `dir` (`day=1/part-0`); '' when `dir` is the file. */
  readonly name: string;
  readonly offset: number;
}

/** What a FileSource reader holds: file splits, or a directory split restored from an older snapshot. */
export type FileSourceSplit = FileSplit | DirectorySplit;

/** True for a directory split (a snapshot from before the enumerator), which records its finished files. */
export function isDirectorySplit(split: FileSourceSplit): split is DirectorySplit {
  return Array.isArray((split as Partial<DirectorySplit>).done);
}
