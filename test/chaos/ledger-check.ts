/**
 * What the chaos jobs' Ledger (fixtures/ledger.ts) wrote down, checked against Flink's contract
 * for a CheckpointedFunction and a CheckpointListener once the chaos loop is over:
 *
 * - a restore hands the function exactly the operator state it stored for one completed
 *   checkpoint of the job restored from — every subtask's entry of that checkpoint, none twice —
 *   and that checkpoint is at least the one `flink list` named the job's latest after its end;
 * - `notifyCheckpointComplete(c)` only for a checkpoint c that completed (in flink.db, where a
 *   published one is recorded once its process has ended), never for one above what the
 *   subtask had snapshotted, and never for one above the checkpoint a later restore of that job
 *   used: a two-phase side effect committed there would not be covered by the restored state;
 * - `notifyCheckpointAborted(c)` never for a checkpoint that completed;
 * - the run that finished heard of its final checkpoint — the last it snapshotted: the chaos
 *   runs take one checkpoint at a time, and none is taken after the final one — before
 *   `close()`, with no asynchronous notification still running, and its tally over all
 *   subtasks is the sinks' committed output
 *   (EXACTLY_ONCE: equal — no record counted twice or lost across the kills; AT_LEAST_ONCE: at
 *   least every record).
 *
 * Not asserted, as Flink does not promise it: that a notification (complete or aborted) arrives
 * at all, or for every checkpoint — after a kill, and between checkpoints, ids may be skipped.
 *
 * `ledgerProblems` decides from observed facts; `readLedger` and `completedCheckpoints` read them.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { openDbReadonly } from '../e2e/helpers.js';
import type { ClosedNote, DoneNote, LedgerEntry } from './fixtures/ledger.js';
import { type Tally, addTallies } from './fixtures/tally.js';

/** Which subtask of which run of a job wrote a note. */
export interface Writer {
  readonly job: string;
  readonly attempt: number;
  readonly subtask: number;
}

/** Everything in a Ledger directory, parsed. */
export interface LedgerNotes {
  readonly restored: readonly (Writer & { readonly entries: readonly LedgerEntry[] })[];
  readonly snapshots: readonly (Writer & { readonly entry: LedgerEntry })[];
  readonly done: readonly (Writer & { readonly checkpointId: number } & DoneNote)[];
  readonly aborted: readonly (Writer & { readonly checkpointId: number })[];
  readonly closed: readonly (Writer & ClosedNote)[];
}

/** One run of the chaos loop, as the check needs it. */
export interface LedgerRun {
  readonly jobId: string;
  readonly restoredFrom: string | null;
  /** The latest completed checkpoint `flink list` showed after the run's end (null: none, or the final run). */
  readonly lastCheckpointId: number | null;
}

export interface LedgerFacts {
  /** In order; the last one finished by itself. */
  readonly runs: readonly LedgerRun[];
  /** Per job, the ids of its checkpoints flink.db records as completed (discarded ones too). */
  readonly completed: ReadonlyMap<string, ReadonlySet<number>>;
  readonly parallelism: number;
  readonly mode: 'EXACTLY_ONCE' | 'AT_LEAST_ONCE';
  /** The tally of the sink's committed output, weighed as the Ledger weighs its records. */
  readonly sink: Tally;
  /** Records the input holds (AT_LEAST_ONCE: the least the final tally may count). */
  readonly records: number;
}

/** What the check found, besides problems: how much there was to check. */
export interface LedgerSummary {
  readonly restores: number;
  readonly done: number;
  readonly aborted: number;
  readonly problems: string[];
}

/** The notes the check reads; `opened-*` (a task started) is only the chaos loop's signal to start its clock. */
const NOTE = /^(restored|snap|done|aborted|closed)-([0-9a-f]+)-(\d+)-(\d+)(?:-(\d+))?\.json$/;

/** Reads a Ledger directory (temp files of writes a kill cut short are passed over). */
export function readLedger(dir: string): LedgerNotes {
  const notes = { restored: [], snapshots: [], done: [], aborted: [], closed: [] } as {
    [K in keyof LedgerNotes]: LedgerNotes[K][number][];
  };
  if (!existsSync(dir)) return notes;
  for (const name of readdirSync(dir)) {
    const m = NOTE.exec(name);
    if (!m) continue;
    const writer: Writer = { job: m[2]!, attempt: Number(m[3]), subtask: Number(m[4]) };
    const body: unknown = JSON.parse(readFileSync(join(dir, name), 'utf8'));
    const checkpointId = Number(m[5]);
    switch (m[1]) {
      case 'restored':
        notes.restored.push({ ...writer, entries: body as LedgerEntry[] });
        break;
      case 'snap':
        notes.snapshots.push({ ...writer, entry: body as LedgerEntry });
        break;
      case 'done':
        notes.done.push({ ...writer, checkpointId, ...(body as DoneNote) });
        break;
      case 'aborted':
        notes.aborted.push({ ...writer, checkpointId });
        break;
      default:
        notes.closed.push({ ...writer, ...(body as ClosedNote) });
    }
  }
  return notes;
}

/** Per job, its checkpoints flink.db records as completed (read after `flink list` brought it level with the disk). */
export function completedCheckpoints(home: string): Map<string, Set<number>> {
  const db = openDbReadonly(home);
  let rows: { job_id: string; checkpoint_id: number }[];
  try {
    rows = db.prepare("SELECT job_id, checkpoint_id FROM checkpoints WHERE status = 'COMPLETED'").all() as typeof rows;
  } finally {
    db.close();
  }
  const byJob = new Map<string, Set<number>>();
  for (const r of rows) {
    let ids = byJob.get(r.job_id);
    if (!ids) byJob.set(r.job_id, (ids = new Set()));
    ids.add(r.checkpoint_id);
  }
  return byJob;
}

const short = (job: string) => job.slice(0, 8);
const entryKey = (e: LedgerEntry) => `${e.job}/${e.subtask}/${e.checkpointId}/${e.count}/${e.sum}/${e.sumSq}`;
const sameTally = (a: Tally, b: Tally) => a.count === b.count && a.sum === b.sum && a.sumSq === b.sumSq;
const tallyText = (t: Tally) => `count ${t.count}, sum ${t.sum}, sum of squares ${t.sumSq}`;

/** The problems (Flink's contract broken) in what the Ledger wrote down over a chaos loop. */
export function ledgerProblems(notes: LedgerNotes, facts: LedgerFacts): LedgerSummary {
  const problems: string[] = [];
  const completed = (job: string, id: number) => facts.completed.get(job)?.has(id) ?? false;

  for (const d of notes.done) {
    if (!completed(d.job, d.checkpointId)) {
      problems.push(`ledger: job ${short(d.job)} subtask ${d.subtask} was told checkpoint ${d.checkpointId} completed, which flink.db has not as completed`);
    }
    if (d.snapshotted === null || d.snapshotted < d.checkpointId) {
      problems.push(`ledger: job ${short(d.job)} subtask ${d.subtask} was told checkpoint ${d.checkpointId} completed, having snapshotted ${d.snapshotted === null ? 'none' : `only up to ${d.snapshotted}`}`);
    }
  }
  for (const a of notes.aborted) {
    if (completed(a.job, a.checkpointId)) problems.push(`ledger: job ${short(a.job)} subtask ${a.subtask} was told checkpoint ${a.checkpointId} aborted, which completed`);
  }

  let restores = 0;
  for (const run of facts.runs) {
    const restored = notes.restored.filter((r) => r.job === run.jobId && r.attempt === 0);
    const from = run.restoredFrom;
    if (from === null) {
      if (restored.length > 0) problems.push(`ledger: job ${short(run.jobId)} started from scratch, yet its function was restored`);
      continue;
    }
    // A run with a completed checkpoint had every subtask running (each acknowledged it); the finished run too.
    const wasRunning = (facts.completed.get(run.jobId)?.size ?? 0) > 0 || run === facts.runs.at(-1);
    if (restored.length < facts.parallelism && wasRunning) {
      problems.push(`ledger: job ${short(run.jobId)} restored from ${short(from)}, but only ${restored.length} of ${facts.parallelism} subtasks wrote what they restored`);
    }
    if (restored.length === 0) continue; // killed before its functions started
    restores++;
    const entries = restored.flatMap((r) => r.entries);
    const ids = [...new Set(entries.map((e) => e.checkpointId))];
    const jobs = [...new Set(entries.map((e) => e.job))];
    if (ids.length !== 1 || jobs.length !== 1 || jobs[0] !== from) {
      problems.push(`ledger: job ${short(run.jobId)} restored from ${short(from)} got entries of ${jobs.map(short).join(', ') || 'no job'} at checkpoints ${ids.join(', ') || 'none'}`);
      continue;
    }
    const id = ids[0]!;
    if (!completed(from, id)) problems.push(`ledger: job ${short(run.jobId)} restored checkpoint ${id} of ${short(from)}, which flink.db has not as completed`);
    const listed = facts.runs.find((r) => r.jobId === from)?.lastCheckpointId ?? null;
    if (listed !== null && id < listed) problems.push(`ledger: job ${short(run.jobId)} restored checkpoint ${id} of ${short(from)}, older than its latest (${listed})`);
    const told = notes.done.filter((d) => d.job === from && d.checkpointId > id).map((d) => d.checkpointId);
    if (told.length > 0) {
      problems.push(`ledger: job ${short(from)} was told checkpoint ${Math.max(...told)} completed, but job ${short(run.jobId)} restored it from checkpoint ${id}`);
    }
    // What the restored subtasks got, against what the subtasks of `from` stored at checkpoint id.
    const stored = new Map(notes.snapshots.filter((s) => s.job === from && s.entry.checkpointId === id).map((s) => [entryKey(s.entry), s.entry] as const));
    const got = entries.map(entryKey);
    const twice = got.filter((k, i) => got.indexOf(k) !== i);
    const foreign = got.filter((k) => !stored.has(k));
    const missing = restored.length === facts.parallelism ? [...stored.keys()].filter((k) => !got.includes(k)) : [];
    if (twice.length + foreign.length + missing.length > 0) {
      problems.push(
        `ledger: job ${short(run.jobId)} restored checkpoint ${id} of ${short(from)}: ` +
          `${got.length} entries, ${stored.size} stored; twice [${twice.join('; ')}], not stored [${foreign.join('; ')}], missing [${missing.join('; ')}]`,
      );
    }
  }

  const last = facts.runs.at(-1);
  if (last) {
    // The highest attempt of each subtask: a restart within the job closes the earlier ones too.
    const closed = new Map<number, (typeof notes.closed)[number]>();
    for (const c of notes.closed) if (c.job === last.jobId && (closed.get(c.subtask)?.attempt ?? -1) < c.attempt) closed.set(c.subtask, c);
    if (closed.size !== facts.parallelism) problems.push(`ledger: ${closed.size} of ${facts.parallelism} subtasks of the finished job ${short(last.jobId)} closed`);
    for (const c of closed.values()) {
      if (c.pendingNotes > 0) problems.push(`ledger: subtask ${c.subtask} of the finished job closed with ${c.pendingNotes} notification(s) still being written`);
      if (c.lastSnapshotted === null || c.lastNotified !== c.lastSnapshotted) {
        problems.push(`ledger: subtask ${c.subtask} of the finished job closed having snapshotted up to ${c.lastSnapshotted ?? 'none'} but heard of ${c.lastNotified ?? 'none'} completed`);
      } else if (!notes.done.some((d) => d.job === last.jobId && d.subtask === c.subtask && d.checkpointId === c.lastSnapshotted)) {
        problems.push(`ledger: subtask ${c.subtask} of the finished job has no note of its final checkpoint ${c.lastSnapshotted}`);
      }
    }
    const total = [...closed.values()].reduce<Tally>(addTallies, { count: 0, sum: 0, sumSq: 0 });
    if (closed.size === facts.parallelism) {
      if (facts.mode === 'EXACTLY_ONCE' && !sameTally(total, facts.sink)) {
        problems.push(`ledger: the finished job's state holds ${tallyText(total)}; the sink's committed output ${tallyText(facts.sink)}`);
      }
      if (facts.mode === 'AT_LEAST_ONCE' && total.count < facts.records) problems.push(`ledger: the finished job's state counts ${total.count} of ${facts.records} records`);
    }
  }
  return { restores, done: notes.done.length, aborted: notes.aborted.length, problems };
}
