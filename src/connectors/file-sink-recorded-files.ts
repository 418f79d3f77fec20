import { basename, dirname, isAbsolute, resolve, sep } from 'node:path';
import { SnapshotRestoreError } from '../util/errors.js';

/**
 * Where a restore finds the part files a FileSink snapshot recorded. Since snapshots record the
 * sink's absolute directory with each file (Flink's committables carry full paths), a restore
 * commits them where they were written, even when the job now writes to another directory;
 * a snapshot from before that records none and resolves its names against the current one.
 *
 * Snapshot data is data: a recorded directory must be an absolute, normalised path, a recorded
 * name must stay inside it, and only a hidden part file of the snapshot's jobs is ever renamed,
 * to its own visible name in the same folder (`sub/.part-<job>….pending` → `sub/part-<job>…`).
 */
export interface RecordedFiles {
  /** The directory the names resolve against. */
  readonly directory: string;
  /** The hidden file (absolute). */
  readonly hidden: string;
  /** Its visible name once committed (absolute). */
  readonly final: string;
}

/** The directory a snapshot entry recorded (validated), or `current` for an entry from before directories were recorded. */
export function recordedDirectoryOf(entry: { readonly directory?: unknown }, current: string): string {
  const dir = entry.directory;
  if (dir === undefined) return current;
  const refuse = (why: string): never => {
    throw new SnapshotRestoreError(`FileSink state records the output directory ${JSON.stringify(dir)}, ${why}; the snapshot is damaged or was not written by a FileSink.`);
  };
  if (typeof dir !== 'string') return refuse('not a string');
  if (dir.includes('\0')) refuse('which contains a NUL character');
  if (!isAbsolute(dir)) refuse('not an absolute path');
  // resolve() drops '.', '..', doubled and trailing separators: a path it changes has odd components.
  if (resolve(dir) !== dir) refuse("which is not normalised (it has '.', '..', doubled or trailing separators)");
  return dir;
}

/**
 * Resolves a recorded hidden name and its final name against `directory`, refusing a name that
 * leads outside it or that is not a part file: the hidden name must be `.` + the final name +
 * `suffix` in the same folder and, where `jobs` is given, the final name `<prefix>-<job>…` of
 * one of those jobs (the jobs the snapshot says wrote its parts).
 */
export function resolveRecordedPart(
  directory: string,
  hiddenRel: string,
  finalRel: string,
  suffix: '.pending' | '.inprogress',
  jobs: ReadonlySet<string> | null,
): RecordedFiles {
  const hidden = inside(directory, hiddenRel);
  const final = inside(directory, finalRel);
  const name = basename(final);
  const isPart =
    dirname(hidden) === dirname(final) &&
    // The final name may itself start with '.': a part prefix may (OutputFileConfig allows any
    // name without a separator), and a sink must restore its own snapshots.
    basename(hidden) === `.${name}${suffix}` &&
    (jobs === null || [...jobs].some((job) => job !== '' && name.includes(`-${job}`)));
  if (!isPart) throw new SnapshotRestoreError(`FileSink state names ${JSON.stringify(hiddenRel)} → ${JSON.stringify(finalRel)}, which is not one of its part files; the snapshot is damaged or was not written by this FileSink.`);
  return { directory, hidden, final };
}

function inside(directory: string, rel: string): string {
  // fs would throw a TypeError on a NUL, after the names checked before it were committed.
  if (rel.includes('\0')) throw new SnapshotRestoreError(`FileSink state names a file with a NUL character in ${directory}: ${JSON.stringify(rel)}`);
  const path = resolve(directory, rel);
  // State is data: never follow a recorded name out of the sink's directory.
  if (!path.startsWith(directory.endsWith(sep) ? directory : directory + sep)) throw new SnapshotRestoreError(`FileSink state names a file outside ${directory}: ${rel}`);
  return path;
}
