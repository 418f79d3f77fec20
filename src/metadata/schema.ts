/**
 * The SQL of each schema version. A version, once released, is never edited: changes go into
 * a new entry of {@link MIGRATIONS} so an existing flink.db is upgraded in place.
 *
 * Times are INTEGER milliseconds since the epoch; JSON columns hold TEXT. Tables are STRICT
 * so a wrong type from a bug is an error rather than silently stored.
 */

/** Version 1: jobs, their events, checkpoint/savepoint history and the command queue. */
const V1 = `
CREATE TABLE jobs (
  job_id               TEXT PRIMARY KEY,
  name                 TEXT NOT NULL,
  job_file             TEXT NOT NULL,
  args                 TEXT NOT NULL DEFAULT '[]',
  status               TEXT NOT NULL CHECK (status IN
                         ('CREATED','RUNNING','CANCELLING','CANCELED','FINISHED','FAILING','FAILED','RESTARTING')),
  pid                  INTEGER,
  parallelism          INTEGER,
  config               TEXT NOT NULL DEFAULT '{}',
  start_time           INTEGER NOT NULL,
  end_time             INTEGER,
  heartbeat            INTEGER,
  restored_from        TEXT,
  failure_cause        TEXT,
  failure_stack        TEXT,
  last_checkpoint_id   INTEGER,
  last_checkpoint_path TEXT,
  last_checkpoint_time INTEGER,
  savepoint_path       TEXT
) STRICT;

-- flink list: newest first, optionally filtered by status.
CREATE INDEX jobs_by_start ON jobs (start_time DESC);
CREATE INDEX jobs_by_status_start ON jobs (status, start_time DESC);

CREATE TABLE job_events (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  job_id      TEXT NOT NULL REFERENCES jobs (job_id) ON DELETE CASCADE,
  time        INTEGER NOT NULL,
  kind        TEXT NOT NULL CHECK (kind IN ('restart','failure','status')),
  status_from TEXT,
  status_to   TEXT,
  cause       TEXT,
  stack       TEXT,
  attempt     INTEGER
) STRICT;

CREATE INDEX job_events_by_job ON job_events (job_id, id);

CREATE TABLE checkpoints (
  job_id            TEXT NOT NULL REFERENCES jobs (job_id) ON DELETE CASCADE,
  checkpoint_id     INTEGER NOT NULL,
  kind              TEXT NOT NULL CHECK (kind IN
                      ('CHECKPOINT','FULL_CHECKPOINT','SAVEPOINT','SAVEPOINT_SUSPEND','SAVEPOINT_TERMINATE')),
  status            TEXT NOT NULL CHECK (status IN ('IN_PROGRESS','COMPLETED','FAILED','DISPOSED')),
  trigger_time      INTEGER NOT NULL,
  end_time          INTEGER,
  duration_ms       INTEGER,
  sync_ms           INTEGER,
  async_ms          INTEGER,
  alignment_ms      INTEGER,
  max_pause_ms      INTEGER,
  state_size        INTEGER,
  checkpointed_size INTEGER,
  path              TEXT,
  failure_reason    TEXT,
  PRIMARY KEY (job_id, checkpoint_id, kind)
) STRICT;

-- Latest completed checkpoint of a job; savepoint lookup by path (dispose).
CREATE INDEX checkpoints_by_status ON checkpoints (job_id, status, checkpoint_id DESC);
CREATE INDEX checkpoints_by_path ON checkpoints (path) WHERE path IS NOT NULL;

CREATE TABLE commands (
  id      INTEGER PRIMARY KEY AUTOINCREMENT,
  job_id  TEXT NOT NULL REFERENCES jobs (job_id) ON DELETE CASCADE,
  kind    TEXT NOT NULL CHECK (kind IN ('cancel','savepoint','stop','checkpoint')),
  args    TEXT NOT NULL DEFAULT '{}',
  status  TEXT NOT NULL CHECK (status IN ('PENDING','RUNNING','DONE','FAILED')),
  created INTEGER NOT NULL,
  updated INTEGER NOT NULL,
  result  TEXT,
  error   TEXT
) STRICT;

-- The JobMaster polls for its PENDING commands several times a second.
CREATE INDEX commands_by_job_status ON commands (job_id, status, id);
`;

/**
 * Version 2: a checkpoint's status is Flink's IN_PROGRESS, COMPLETED or FAILED; a completed one
 * whose files retention (or `savepoint -d`) deleted keeps COMPLETED and is marked `discarded`
 * (version 1 called it DISPOSED, which version 1's CHECK still admits; nothing writes it now).
 */
const V2 = `
ALTER TABLE checkpoints ADD COLUMN discarded INTEGER NOT NULL DEFAULT 0 CHECK (discarded IN (0, 1));
UPDATE checkpoints SET status = 'COMPLETED', discarded = 1 WHERE status = 'DISPOSED';
`;

/**
 * Version 3: the fencing epoch of each job and the start time of its process.
 *
 * `epoch` is the job's fencing token: a process that starts running the job takes the next one
 * (CREATED only), and a process that declares the job lost bumps it, so the old process finds
 * its token superseded and commits nothing more. `pid_start` is the start time of process `pid`
 * (clock ticks since boot on Linux), so a pid reused by another process is never taken for the
 * job's. (Version 2 is the checkpoint table's; versions apply in order.)
 */
const V3 = `
ALTER TABLE jobs ADD COLUMN epoch INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN pid_start INTEGER;
`;

/**
 * Version 4: what `flink web` shows without loading the engine. `job_plans` holds the chained
 * graph recorded at submission (jobs from before have none, and show no graph); `job_metrics`
 * the latest metrics a running job reported, one row per job, replaced every second;
 * `job_metric_history` a short history of per-second samples for charts, pruned by the job as
 * it writes. Separate tables, so no existing row changes.
 */
const V4 = `
CREATE TABLE job_plans (
  job_id TEXT PRIMARY KEY REFERENCES jobs (job_id) ON DELETE CASCADE,
  plan   TEXT NOT NULL
) STRICT;

CREATE TABLE job_metrics (
  job_id  TEXT PRIMARY KEY REFERENCES jobs (job_id) ON DELETE CASCADE,
  time    INTEGER NOT NULL,
  metrics TEXT NOT NULL
) STRICT;

CREATE TABLE job_metric_history (
  job_id TEXT NOT NULL REFERENCES jobs (job_id) ON DELETE CASCADE,
  time   INTEGER NOT NULL,
  sample TEXT NOT NULL,
  PRIMARY KEY (job_id, time)
) STRICT, WITHOUT ROWID;
`;

/**
 * Version 5: what a restart restored (Flink's "latest restored" counts failovers too): the
 * snapshot's id and path on the restart's event, once the job runs again; null when it started
 * over (no checkpoint yet).
 */
const V5 = `
ALTER TABLE job_events ADD COLUMN restored_id INTEGER;
ALTER TABLE job_events ADD COLUMN restored_path TEXT;
ALTER TABLE job_events ADD COLUMN restored_time INTEGER;
`;

/**
 * Version 6: which process (and, once it has one, which job) continues a job from its snapshot
 * — `flink run -s` of its checkpoint or savepoint — so that a second restore of the job while the
 * first one's job can still commit is refused (two jobs continuing one would write its output
 * twice). Claimed by compare-and-set on the restored job's row.
 */
const V6 = `
ALTER TABLE jobs ADD COLUMN continued_by_job TEXT;
ALTER TABLE jobs ADD COLUMN continued_by_pid INTEGER;
ALTER TABLE jobs ADD COLUMN continued_by_pid_start INTEGER;
`;

/**
 * Version 7: what reading a completed checkpoint or savepoint found against restoring it (a
 * state file missing, truncated or failing its checksum), null while nothing is known against
 * it. Set once its job's process has ended, when flink.db is brought level with the disk, and
 * by every `flink run -s <jobId>` for the snapshots it tried; such a snapshot is never named a
 * job's latest.
 */
const V7 = `
ALTER TABLE checkpoints ADD COLUMN restore_problem TEXT;
`;

/**
 * Version 8: how many of a job's checkpoints flink.db no longer lists. A long-running job
 * checkpoints every few seconds for weeks; keeping a row for each would grow flink.db, and every
 * read of the history, without bound. So once a checkpoint is over — failed, or completed and
 * deleted by retention — only the newest of such rows are kept, and the ones dropped are
 * counted here, so the job's checkpoint counts still span its whole life.
 */
const V8 = `
ALTER TABLE jobs ADD COLUMN forgotten_completed_checkpoints INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN forgotten_failed_checkpoints INTEGER NOT NULL DEFAULT 0;
`;

/**
 * Version 9: who continues a job this flink.db does not know — `flink run -s` of a snapshot taken
 * under another home, or copied from elsewhere — as version 6 records it on a known job's row: a
 * second restore of the same snapshot here while the first one's job can still commit is refused
 * as it is for a job of this home. One row per such job, made by the first restore of it.
 */
const V9 = `
CREATE TABLE foreign_continuations (
  job_id                 TEXT PRIMARY KEY,
  continued_by_job       TEXT,
  continued_by_pid       INTEGER,
  continued_by_pid_start INTEGER
);
`;

/** One schema step: applied when the database's `PRAGMA user_version` is below `version`. */
export interface Migration {
  readonly version: number;
  readonly sql: string;
}

/** All migrations, in ascending version order. */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, sql: V1 },
  { version: 2, sql: V2 },
  { version: 3, sql: V3 },
  { version: 4, sql: V4 },
  { version: 5, sql: V5 },
  { version: 6, sql: V6 },
  { version: 7, sql: V7 },
  { version: 8, sql: V8 },
  { version: 9, sql: V9 },
];

/** The schema version this code reads and writes. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
