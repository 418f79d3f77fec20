import { closeSync, constants, existsSync, fsyncSync, openSync, readSync, renameSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { writeWarning } from '../util/warning.js';
import { openRecordedPart, pendingPathOf } from './file-sink-part.js';

/**
 * A FileSink restore next to a job that may still be writing. `flink run -s` of a job this
 * FLINK_TS_HOME knows starts only once that job can no longer commit (or is refused); but the
 * snapshot of a job flink.db does not know — taken under another home, where its job may run
 * on, into the same directories — gives no such word. Its job's files are then left alone:
 *
 * - its pending parts are closed files, and committing one (a rename to its final name) is
 *   idempotent: the job's own commit later finds it done. They are committed as ever;
 * - an in-progress part it recorded it may still be appending to (cutting it back would leave a
 *   hole of NULs where its next write lands, and renaming it away would fail its next roll), so
 *   the restoring job copies the recorded prefix into a part of its own instead — the output of
 *   a restore from that snapshot — and publishes the copy;
 * - its hidden files written after the snapshot are not deleted.
 *
 * The two jobs then both write what comes after the snapshot, and the records of parts open at
 * the snapshot appear in both jobs' parts: two running copies of one job write their output twice.
 */
export interface RestoreScope {
  /** The jobs (tokens) whose unreferenced hidden files the restore deletes. */
  readonly leftoversOf: ReadonlySet<string>;
  /** The snapshot's writers (tokens) that may still write. */
  readonly live: readonly string[];
}

/**
 * Which jobs' files a restore by job `own` of a snapshot written by `writers` may delete, given
 * the jobs that may still write (`stillWriting`, tokens) and those that can never commit what
 * they staged (`abandoned`, tokens: see SinkWriterContext.jobsAbandoned): every writer's, every
 * abandoned job's and its own, except those that may still write. The restoring job itself is
 * never one of them.
 */
export function decideRestoreScope(facts: {
  readonly own: string;
  readonly writers: readonly string[];
  readonly stillWriting: ReadonlySet<string>;
  readonly abandoned?: readonly string[];
}): RestoreScope {
  const live = [...new Set(facts.writers.filter((w) => w !== facts.own && facts.stillWriting.has(w)))];
  // No snapshot names an abandoned job's hidden files: none of them is ever committed.
  const abandoned = (facts.abandoned ?? []).filter((w) => !facts.stillWriting.has(w));
  return { leftoversOf: new Set([facts.own, ...facts.writers.filter((w) => !live.includes(w)), ...abandoned]), live };
}

/** The job among `live` whose part has the final name `name` (a run name carries its job), or undefined. */
export function liveWriterOf(name: string, live: readonly string[]): string | undefined {
  return live.find((w) => name.includes(`-${w}`));
}

/**
 * Where the restoring job `own` copies the recorded part `final` of job `writer`: the same name
 * with its own job in the writer's place. One name per part, so a repeated restore (a failover
 * before the first checkpoint) finds its copy made instead of making a second; and a name of
 * the restoring job, so its own restores delete a copy left half-made.
 */
export function copyPathOf(final: string, writer: string, own: string): string {
  const name = basename(final);
  const at = name.indexOf(`-${writer}`) + 1;
  return join(dirname(final), `${name.slice(0, at)}${own}${name.slice(at + writer.length)}`);
}

/** The hidden name a copy is written under until it is complete. */
export function copyInProgressPathOf(copy: string): string {
  return join(dirname(copy), `.${basename(copy)}.inprogress`);
}

/** Bytes copied at a time. */
const COPY_CHUNK = 1 << 20;

/**
 * Prepares the publishing of the first `length` bytes of a part another job recorded open (and
 * may still write) as `copy`, leaving the part itself as it is: writes the copy durably under
 * its hidden name now and returns the rename that publishes it (or the warning that the part
 * is gone; undefined if there is nothing to publish), so a restore can ask its fence after the
 * writes and fsyncs, right before the renames. The part is found under its in-progress name,
 * its pending name (it rolled since), or its final name (its job committed it since).
 * Idempotent: a copy published already is kept.
 */
export function copyRecordedPrefix(hidden: string, final: string, length: number, copy: string): (() => void) | undefined {
  if (existsSync(copy)) return undefined;
  for (const from of [hidden, pendingPathOf(hidden), final]) {
    const part = openRecordedPart(from, constants.O_RDONLY, length);
    if (part === 'absent') continue;
    if (part === 'link') return undefined;
    try {
      writePrefix(part.fd, Math.min(part.size, length), copyInProgressPathOf(copy));
    } finally {
      closeSync(part.fd);
    }
    return () => renameSync(copyInProgressPathOf(copy), copy);
  }
  // Said when the copy would have been published, in order with the other commits' warnings.
  return () => writeWarning(`FileSink: in-progress file ${hidden} is gone; its records are lost.`);
}

/** Writes the first `length` bytes of `src` durably to `to` (replacing a half-made copy). */
function writePrefix(src: number, length: number, to: string): void {
  const out = openSync(to, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | (constants.O_NOFOLLOW ?? 0), 0o644);
  try {
    const buf = Buffer.allocUnsafe(Math.min(COPY_CHUNK, Math.max(1, length)));
    let done = 0;
    while (done < length) {
      const n = readSync(src, buf, 0, Math.min(buf.length, length - done), done);
      if (n === 0) break;
      let off = 0;
      while (off < n) off += writeSync(out, buf, off, n - off);
      done += n;
    }
    fsyncSync(out);
  } finally {
    closeSync(out);
  }
}
