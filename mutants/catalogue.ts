/**
 * The mutant suite: plausible bugs in the code that guards user data, each with the tests that
 * must catch it. `npm run mutants` runs them all (see run.ts and the README's "Mutation
 * testing"); `npm run mutants -- <id>` runs one.
 *
 * Adding one: copy an entry, name the file, paste the exact original snippet (it must occur
 * once in the file; whitespace counts), write the replacement, say in one line what a user
 * would suffer, and name the narrowest test files that must fail. Run it alone first: it must
 * be caught, and its tests must pass without it (the runner checks both). When code a mutant
 * names moves, the runner fails with "stale": update the snippet to the code's new shape.
 *
 * Round 2 parts not on main yet when this was written, to add as they land (each has its place
 * at the end of the list): the two-input task's alignment (as `task-ignores-blocked-channel`
 * below, with a two-input version of test/runtime/task-alignment.test.ts), joins (interval
 * bounds, window joins) and broadcast state (restored to every subtask).
 */
import type { Mutant } from './mutant.js';

export const MUTANTS: readonly Mutant[] = [
  // ── Key groups and routing ──────────────────────────────────────────────────────────────
  {
    id: 'routing-by-modulo',
    area: 'key groups and routing',
    file: 'src/state/key-groups.ts',
    original: 'return Math.floor((keyGroup * parallelism) / maxParallelism);',
    replacement: 'return keyGroup % parallelism;',
    bug: 'records go to a subtask by key group modulo parallelism, not to the one owning the key group range: state is read and written in the wrong place',
    tests: ['test/state/key-groups.test.ts'],
  },
  {
    id: 'snapshot-drops-last-key-group',
    area: 'key groups and routing',
    file: 'src/state/keyed-state-snapshot.ts',
    original: 'for (let i = 0; i < this.encoded.length; i++) {',
    replacement: 'for (let i = 0; i < this.encoded.length - 1; i++) {',
    bug: "a keyed snapshot leaves out each subtask's last key group: after a restore (at any parallelism) those keys start from nothing",
    tests: ['test/e2e/rescale.test.ts'],
  },
  {
    id: 'restore-drops-foreign-key-group',
    area: 'key groups and routing',
    file: 'src/state/snapshot-format/state-file.ts',
    original: "if (!range?.contains(kg)) throw outside(kg, 'it holds state');",
    replacement: 'if (!range?.contains(kg)) continue;',
    bug: 'a state file holding key groups its subtask did not own is read with those key groups silently dropped instead of refused',
    tests: ['test/checkpoint/storage.test.ts'],
    testNamePattern: 'key group',
  },

  // ── State redistribution ────────────────────────────────────────────────────────────────
  {
    id: 'split-list-state-overlaps',
    area: 'state redistribution',
    file: 'src/checkpoint/state-assignment.ts',
    original: 'const to = Math.floor((values.length * (i + 1)) / parallelism);',
    replacement: 'const to = Math.ceil((values.length * (i + 1)) / parallelism);',
    bug: 'on rescale, split list state (e.g. source splits) is handed to two subtasks at once: input read twice',
    tests: ['test/checkpoint/state-assignment.test.ts'],
  },
  {
    id: 'union-state-split',
    area: 'state redistribution',
    file: 'src/checkpoint/state-assignment.ts',
    original: "values: mode === 'union' ? [...values] : values.slice(from, to)",
    replacement: 'values: values.slice(from, to)',
    bug: "union list state (e.g. a sink's pending commits) is split over subtasks instead of given whole to each: commits recorded by others are never made",
    tests: ['test/checkpoint/state-assignment.test.ts'],
  },

  // ── Barrier alignment ───────────────────────────────────────────────────────────────────
  {
    id: 'task-ignores-blocked-channel',
    area: 'barrier alignment',
    file: 'src/runtime/tasks/channel-input-task.ts',
    original: 'if (channel.isEmpty() || this.aligner.isBlocked(i)) continue;',
    replacement: 'if (channel.isEmpty()) continue;',
    bug: "in EXACTLY_ONCE a task processes records behind a channel's barrier before the snapshot: they are in the snapshot and replayed after a restore",
    tests: ['test/runtime/task-alignment.test.ts'],
  },
  {
    id: 'aligner-never-blocks',
    area: 'barrier alignment',
    file: 'src/runtime/checkpointing/barrier-aligner.ts',
    original: 'if (barrier.options.aligned) this.blocked[channel] = true;',
    replacement: 'if (barrier.options.aligned) this.blocked[channel] = false;',
    bug: 'aligned checkpoints block no channel: EXACTLY_ONCE silently becomes AT_LEAST_ONCE',
    tests: ['test/runtime/barrier-aligner.test.ts', 'test/runtime/task-alignment.test.ts'],
  },

  // ── Two-phase commit: FileSink ──────────────────────────────────────────────────────────
  {
    id: 'file-sink-commits-at-barrier',
    area: 'two-phase commit: FileSink',
    file: 'src/connectors/file-sink.ts',
    original: `    for (const f of this.pendingFiles) f.checkpointId ??= checkpointId;
    const writtenBy: WrittenBy = { writtenBy: this.jobToken };`,
    replacement: `    for (const f of this.pendingFiles) f.checkpointId ??= checkpointId;
    this.notifyCheckpointComplete(checkpointId);
    const writtenBy: WrittenBy = { writtenBy: this.jobToken };`,
    bug: 'parts become visible at the barrier, before the checkpoint completes: a failure before it completes leaves output that the restore writes again',
    tests: ['test/connectors/file-sink-commit.test.ts'],
  },
  {
    id: 'file-sink-commits-later-checkpoint',
    area: 'two-phase commit: FileSink',
    file: 'src/connectors/file-sink.ts',
    original: '(f) => f.checkpointId !== null && f.checkpointId <= checkpointId',
    replacement: '(f) => f.checkpointId !== null',
    bug: "checkpoint n's completion also commits parts pre-committed for n+1, which a restore from n replays",
    tests: ['test/connectors/file-sink-commit.test.ts'],
  },
  {
    id: 'file-sink-restore-keeps-leftovers',
    area: 'two-phase commit: FileSink',
    file: 'src/connectors/file-sink.ts',
    original: 'if (!keep.has(this.rel(path))) rmSync(path, { force: true });',
    replacement: 'if (!keep.has(this.rel(path))) continue;',
    bug: 'a restore keeps the parts written after its checkpoint (pre-committed for n+1, in progress) beside their replayed records',
    tests: ['test/connectors/file-sink-commit.test.ts'],
  },

  // ── Two-phase commit: SqliteSink ────────────────────────────────────────────────────────
  {
    id: 'sqlite-sink-commits-later-checkpoint',
    area: 'two-phase commit: SqliteSink',
    file: 'src/connectors/sqlite-sink.ts',
    original: 'const due = this.pending.filter((p) => p.checkpointId <= checkpointId);',
    replacement: 'const due = this.pending;',
    bug: "checkpoint n's completion also commits rows staged for n+1, which a restore from n replays",
    tests: ['test/connectors/sqlite-sink.test.ts'],
  },
  {
    id: 'sqlite-sink-restore-commits-nothing',
    area: 'two-phase commit: SqliteSink',
    file: 'src/connectors/sqlite-sink.ts',
    original: `    const recorded = state.filter(isPendingCommit);
    for (const p of recorded) this.commit(p);`,
    replacement: `    const recorded = state.filter(isPendingCommit);`,
    bug: 'a restore does not commit the rows its checkpoint staged (a crash between completion and commit): they are lost',
    tests: ['test/connectors/sqlite-sink.test.ts'],
  },

  // ── Two-phase commit: the PostgreSQL JdbcSink ───────────────────────────────────────────
  {
    id: 'jdbc-sink-commits-later-checkpoint',
    area: 'two-phase commit: JdbcSink',
    file: 'src/connectors/jdbc-sink-exactly-once-writer.ts',
    original: 'const due = this.pending.filter((t) => t.checkpointId <= checkpointId && !t.committing);',
    replacement: 'const due = this.pending.filter((t) => !t.committing);',
    bug: "checkpoint n's completion also commits the transaction prepared for n+1, which a restore from n replays",
    tests: ['test/connectors/jdbc-sink.test.ts'],
    testNamePattern: 'two-phase commit',
  },
  {
    id: 'jdbc-sink-restore-commits-nothing',
    area: 'two-phase commit: JdbcSink',
    file: 'src/connectors/jdbc-sink-recovery.ts',
    original: '  for (const t of plan.commit) await client.query(`COMMIT PREPARED ${gidLiteral(t.gid)}`);\n',
    replacement: '',
    bug: 'a restore leaves the transactions its checkpoint recorded prepared, never committed: their rows are lost',
    tests: ['test/connectors/jdbc-sink.test.ts'],
    testNamePattern: 'two-phase commit',
  },
  {
    id: 'jdbc-sink-acks-before-prepare',
    area: 'two-phase commit: JdbcSink',
    file: 'src/connectors/jdbc-sink-exactly-once-writer.ts',
    original: 'return this.succeeded(this.lastPrepare);',
    replacement: 'return Promise.resolve();',
    bug: 'a checkpoint is acknowledged before its PREPARE TRANSACTION succeeded: a failed prepare completes the checkpoint and its rows are lost',
    tests: ['test/connectors/jdbc-sink.test.ts'],
    testNamePattern: 'two-phase commit',
  },
  {
    id: 'jdbc-sink-prepared-not-recorded',
    area: 'two-phase commit: JdbcSink',
    file: 'src/connectors/jdbc-sink-exactly-once-writer.ts',
    original: '      this.pending.push({ gid, checkpointId, xid: this.txn.xid, prepared, committing: false });\n',
    replacement: '',
    bug: 'a prepared transaction is not recorded in the checkpoint nor kept for commit: its rows are never committed, and a restore rolls them back',
    tests: ['test/connectors/jdbc-sink.test.ts'],
    testNamePattern: 'two-phase commit',
  },
  {
    id: 'jdbc-sink-rolls-back-other-jobs',
    area: 'two-phase commit: JdbcSink',
    file: 'src/connectors/jdbc-sink-transactions.ts',
    original: 'p.database === database && p.gid.startsWith(prefix) && !keep.has(p.gid)',
    replacement: 'p.database === database && !keep.has(p.gid)',
    bug: "a restore rolls back every prepared transaction of the sink, also another job's writing the same table: that job's rows are lost",
    tests: ['test/connectors/jdbc-sink-transactions.test.ts'],
  },

  // ── Checksums ───────────────────────────────────────────────────────────────────────────
  {
    id: 'state-file-checksum-unchecked',
    area: 'checksums',
    file: 'src/checkpoint/snapshot-loader.ts',
    original: "  if (sha256(bytes) !== h.checksum) return { problem: 'is damaged (checksum mismatch)' };\n",
    replacement: '',
    bug: 'a restore reads a damaged state file without checking its checksum: corrupted state is restored as if it were good',
    tests: ['test/checkpoint/storage.test.ts', 'test/checkpoint/shared-state.test.ts'],
    testNamePattern: 'damaged|checksum',
  },
  {
    id: 'metadata-checksum-unchecked',
    area: 'checksums',
    file: 'src/checkpoint/snapshot-metadata.ts',
    original: "  if (d.checksum !== sha256(body(m as SnapshotMetadata))) fail('its checksum does not match its content (it was modified or damaged)');\n",
    replacement: '',
    bug: 'an edited or damaged _metadata is trusted: a restore follows whatever it names',
    tests: ['test/checkpoint/storage.test.ts'],
  },

  // ── Retention and shared files ──────────────────────────────────────────────────────────
  {
    id: 'retention-deletes-shared-in-use',
    area: 'retention and shared files',
    file: 'src/checkpoint/retention-plan.ts',
    original: '.flatMap(sharedPaths).filter((f) => !inUse.has(f));',
    replacement: '.flatMap(sharedPaths);',
    bug: "dropping an old checkpoint deletes shared files a retained incremental checkpoint still refers to: the latest checkpoint can't be restored",
    tests: ['test/checkpoint/retention-plan.test.ts'],
  },
  {
    id: 'retention-ignores-inflight',
    area: 'retention and shared files',
    file: 'src/checkpoint/retention-plan.ts',
    original: "const pending = event.kind === 'discardAll' ? [] : facts.pending;",
    replacement: 'const pending: readonly number[] = [];',
    bug: 'shared files freed while checkpoints are in flight are deleted at once, though those checkpoints may build on them',
    tests: ['test/checkpoint/retention-plan.test.ts'],
  },
  {
    id: 'retention-keeps-one-too-few',
    area: 'retention and shared files',
    file: 'src/checkpoint/retention-plan.ts',
    original: 'while (retained.length > facts.numRetained) dropped.push(retained.shift()!);',
    replacement: 'while (retained.length >= facts.numRetained) dropped.push(retained.shift()!);',
    bug: 'retention keeps one checkpoint fewer than num-retained: with 1, the checkpoint that just completed is deleted',
    tests: ['test/checkpoint/retention-plan.test.ts'],
  },

  // ── Incremental chains ──────────────────────────────────────────────────────────────────
  {
    id: 'delta-since-previous-cut-only',
    area: 'incremental chains',
    file: 'src/state/incremental-snapshots.ts',
    original: 'if (this.unconfirmed.length === 1) return this.unconfirmed[0]!.changes;',
    replacement: 'if (this.unconfirmed.length >= 1) return this.unconfirmed.at(-1)!.changes;',
    bug: 'a delta holds only the changes since the previous cut, not since the last confirmed checkpoint: an aborted checkpoint leaves a hole in the chain',
    tests: ['test/state/incremental-snapshots.test.ts'],
  },

  // ── TTL ─────────────────────────────────────────────────────────────────────────────────
  {
    id: 'ttl-expires-one-ms-late',
    area: 'TTL',
    file: 'src/state/ttl-states.ts',
    original: 'return x[1] + this.ttl.ttlMs <= now;',
    replacement: 'return x[1] + this.ttl.ttlMs < now;',
    bug: 'a value is still returned at exactly TTL after its last write (Flink: expired at lastAccess + ttl <= now)',
    tests: ['test/state/ttl.test.ts'],
  },
  {
    id: 'ttl-snapshot-drops-live-entries',
    area: 'TTL',
    file: 'src/state/state-meta.ts',
    original: 'const alive = (x: unknown) => (x as TtlValue<unknown>)[1] + ttlMs > now;',
    replacement: 'const alive = (x: unknown) => (x as TtlValue<unknown>)[1] > now;',
    bug: 'cleanupFullSnapshot drops every entry older than now, live ones too: restored state is missing data',
    tests: ['test/state/ttl.test.ts'],
  },

  // ── Source positions ────────────────────────────────────────────────────────────────────
  {
    id: 'file-source-offset-skips-byte',
    area: 'source positions',
    file: 'src/connectors/file-source.ts',
    original: 'c.offset += nl + 1;',
    replacement: 'c.offset += nl + 2;',
    bug: "the file source's recorded position runs one byte ahead per line: a restore starts mid-line and loses data",
    tests: ['test/connectors/file-source.test.ts'],
  },
  {
    id: 'index-source-restores-drop-last',
    area: 'source positions',
    file: 'src/connectors/index-range-reader.ts',
    original: 'for (const s of splits) if (s.next < s.end) this.splits.push({ id: indexSplitId(s),',
    replacement: 'for (const s of splits) if (s.next + s.stride < s.end) this.splits.push({ id: indexSplitId(s),',
    bug: 'a restored sequence or generator split with one record left is taken as finished: that record is never emitted',
    tests: ['test/connectors/sources.test.ts'],
  },

  // ── Restart counting ────────────────────────────────────────────────────────────────────
  {
    id: 'fixed-delay-one-restart-too-few',
    area: 'restart counting',
    file: 'src/cluster/restart-strategy.ts',
    original: 'if (this.failures > this.attempts) return',
    replacement: 'if (this.failures >= this.attempts) return',
    bug: 'fixed-delay gives up one restart early',
    tests: ['test/cluster/restart-strategy.test.ts'],
  },
  {
    id: 'failure-rate-never-forgets',
    area: 'restart counting',
    file: 'src/cluster/restart-strategy.ts',
    original: 'while (this.times.length > 0 && this.times[0]! <= now - this.intervalMs) this.times.shift();',
    replacement: 'while (this.times.length > 0 && this.times[0]! < now - 2 * this.intervalMs) this.times.shift();',
    bug: 'failure-rate counts failures older than its interval: a job with a steady, allowed failure rate is failed for good',
    tests: ['test/cluster/restart-strategy.test.ts'],
  },

  // ── Liveness and fencing ────────────────────────────────────────────────────────────────
  {
    id: 'liveness-ignores-stale-heartbeat',
    area: 'liveness and fencing',
    file: 'src/cluster/liveness.ts',
    original: '  if (now - lastSign > timeout) return JOB_PROCESS_LOST;\n',
    replacement: '',
    bug: 'a frozen job (live pid, stale heartbeat) or one that never started is shown RUNNING forever, and never declared lost so it can be restored',
    tests: ['test/cluster/liveness.test.ts'],
  },
  {
    id: 'liveness-startup-uses-heartbeat-timeout',
    area: 'liveness and fencing',
    file: 'src/cluster/liveness.ts',
    original: `  const lastSign = job.heartbeat ?? job.startTime;
  const timeout = job.heartbeat === null ? STARTUP_TIMEOUT_MS : heartbeatTimeoutOf(job);`,
    replacement: `  const lastSign = job.heartbeat ?? job.startTime;
  const timeout = heartbeatTimeoutOf(job);`,
    bug: 'a detached job still starting (no heartbeat yet) is declared lost after the heartbeat timeout, not the start-up timeout',
    tests: ['test/cluster/liveness.test.ts'],
  },
  {
    id: 'fence-trusts-fresh-lease',
    area: 'liveness and fencing',
    file: 'src/cluster/job-fence.ts',
    original: "if (!owner || owner.epoch !== this.epoch || isTerminal(owner.status as JobRecord['status'])) {",
    replacement: 'if (!owner) {',
    bug: 'with a fresh heartbeat a commit checks only that the job exists, not its epoch and status: a process whose job was declared lost commits until its next heartbeat',
    tests: ['test/cluster/job-fence.test.ts'],
  },
  {
    id: 'lost-despite-renewed-heartbeat',
    area: 'liveness and fencing',
    file: 'src/metadata/job-table.ts',
    original: '        if (staleBefore !== undefined && job.heartbeat !== null && job.heartbeat >= staleBefore) return false;\n',
    replacement: '',
    bug: 'a job whose heartbeat was renewed after another process read it stale is declared lost anyway: a healthy job is failed and fenced',
    tests: ['test/cluster/liveness.test.ts'],
  },
  {
    id: 'self-fencing-after-timeout',
    area: 'liveness and fencing',
    file: 'src/cluster/job-fence.ts',
    original: 'return Math.floor((settings.heartbeatTimeoutMs * 2) / 3);',
    replacement: 'return Math.floor((settings.heartbeatTimeoutMs * 4) / 3);',
    bug: 'a frozen process re-confirms only after it could already have been declared lost: it may commit beside its successor',
    tests: ['test/cluster/job-fence.test.ts'],
  },
  {
    id: 'jdbc-commit-unfenced',
    area: 'liveness and fencing',
    file: 'src/connectors/jdbc-sink-exactly-once-writer.ts',
    original: '      this.context.checkOwnership?.(`commit transaction ${t.gid}`);\n',
    replacement: '',
    bug: 'the JdbcSink commits a prepared transaction without checking that its process still owns the job: a process declared lost commits beside its successor',
    tests: ['test/connectors/jdbc-sink.test.ts'],
    testNamePattern: 'two-phase commit',
  },
  {
    id: 'jdbc-recovery-unfenced',
    area: 'liveness and fencing',
    file: 'src/connectors/jdbc-sink-recovery.ts',
    original: '  target.checkOwnership?.(`commit and roll back the prepared transactions of sink \'${target.uid}\'`);\n',
    replacement: '',
    bug: "a JdbcSink restore commits and rolls back prepared transactions without checking the job's fence: a process that lost the job while it waited changes the table",
    tests: ['test/connectors/jdbc-sink.test.ts'],
    testNamePattern: 'two-phase commit',
  },
  {
    id: 'checkpoint-complete-unfenced',
    area: 'liveness and fencing',
    file: 'src/cluster/job-checkpointing.ts',
    original: 'if (this.mayCommit(`commit checkpoint ${id}`)) execution.notifyCheckpointComplete(id);',
    replacement: 'execution.notifyCheckpointComplete(id);',
    bug: 'sinks are told a checkpoint completed without the fence checked first: a process declared lost after publishing commits beside its successor',
    tests: ['test/cluster/job-checkpointing.test.ts'],
  },
  {
    id: 'checkpoint-publish-unfenced',
    area: 'liveness and fencing',
    file: 'src/cluster/job-checkpointing.ts',
    original: `    rename: async (from, to) => {
      fence.check('publish a checkpoint');`,
    replacement: `    rename: async (from, to) => {`,
    bug: "a process declared lost still publishes checkpoints into the job's directory: its successor may restore from a checkpoint the lost process wrote",
    tests: ['test/cluster/job-checkpointing.test.ts'],
  },

  // ── Config bounds ───────────────────────────────────────────────────────────────────────
  {
    id: 'duration-minimum-ignored',
    area: 'config bounds',
    file: 'src/config/option-types.ts',
    original: '  if (ms < min) throw invalidValue(raw, key, source, `a duration of at least ${min} ms`);\n',
    replacement: '',
    bug: 'durations below their minimum are accepted (execution.checkpointing.timeout: 0 fails every checkpoint)',
    tests: ['test/config/option-bounds.test.ts'],
  },
  {
    id: 'int-minimum-ignored',
    area: 'config bounds',
    file: 'src/config/option-types.ts',
    original: 'if (!Number.isSafeInteger(n) || n < bounds.min || n > bounds.max)',
    replacement: 'if (!Number.isSafeInteger(n) || n > bounds.max)',
    bug: 'integers below their minimum are accepted (e.g. num-retained 0 keeps no checkpoint to restore)',
    tests: ['test/config/option-bounds.test.ts'],
  },

  // ── Restore-path choice ─────────────────────────────────────────────────────────────────
  {
    id: 'restore-newest-by-name',
    area: 'restore-path choice',
    file: 'src/checkpoint/recovery.ts',
    original: 'for (const c of [...candidates].sort((a, b) => b.checkpointId - a.checkpointId)) {',
    replacement: 'for (const c of [...candidates].sort((a, b) => b.path.localeCompare(a.path))) {',
    bug: '-s <jobId> and failover pick the newest checkpoint by name: chk-9 over chk-10, an older state and a replay of committed output',
    tests: ['test/checkpoint/recovery.test.ts'],
  },
  {
    id: 'restore-trusts-foreign-checkpoint',
    area: 'restore-path choice',
    file: 'src/checkpoint/recovery.ts',
    original: 'if (m.jobId !== job.jobId || m.checkpointId !== c.checkpointId) {',
    replacement: 'if (m.checkpointId !== c.checkpointId) {',
    bug: "-s <jobId> restores a chk-<n> found in the job's directory that holds another job's checkpoint",
    tests: ['test/checkpoint/recovery.test.ts'],
  },
  {
    id: 'failed-job-checkpoints-deleted',
    area: 'restore-path choice',
    file: 'src/checkpoint/recovery.ts',
    original: "  if (outcome === 'FINISHED') return retention === 'NO_EXTERNALIZED_CHECKPOINTS';\n  return false;",
    replacement: "  return retention === 'NO_EXTERNALIZED_CHECKPOINTS';",
    bug: 'a failed job with NO_EXTERNALIZED_CHECKPOINTS loses the checkpoints it must be recovered from',
    tests: ['test/checkpoint/recovery.test.ts'],
  },

  // ── Round 2: watermarks ─────────────────────────────────────────────────────────────────
  {
    id: 'watermark-not-one-below',
    area: 'watermarks',
    file: 'src/graph/watermark-generators.ts',
    original: 'output.emitWatermark(new Watermark(this.maxTimestamp - this.maxOutOfOrdernessMs - 1));',
    replacement: 'output.emitWatermark(new Watermark(this.maxTimestamp - this.maxOutOfOrdernessMs));',
    bug: 'the bounded-out-of-orderness watermark is one ms too high: an element exactly maxOutOfOrderness behind counts as late',
    tests: ['test/graph/watermark-generators.test.ts'],
  },
  {
    id: 'valve-takes-last-not-min',
    area: 'watermarks',
    file: 'src/runtime/watermarks/status-watermark-valve.ts',
    original: 'for (const x of this.channels) if (x.aligned && !x.idle && x.watermark < min) min = x.watermark;',
    replacement: 'for (const x of this.channels) if (x.aligned && !x.idle) min = x.watermark;',
    bug: "a task's watermark is its last input's, not the minimum over its inputs: records of a slower input arrive behind it and are dropped as late",
    tests: ['test/runtime/watermarks/status-watermark-valve.test.ts'],
  },
  {
    id: 'valve-idle-input-keeps-holding',
    area: 'watermarks',
    file: 'src/runtime/watermarks/status-watermark-valve.ts',
    original: 'return c.watermark === this.lastOutputWatermark ? this.newMinimum() : NOTHING;',
    replacement: 'return NOTHING;',
    bug: 'an input that goes idle while it holds the minimum back keeps holding it until another input sends a watermark: windows and timers fire late or not at all',
    tests: ['test/runtime/watermarks/status-watermark-valve.test.ts'],
  },
  {
    id: 'valve-all-idle-no-max-flush',
    area: 'watermarks',
    file: 'src/runtime/watermarks/status-watermark-valve.ts',
    original: `        let max = MIN_TIMESTAMP;
        for (const x of this.channels) if (x.watermark > max) max = x.watermark;
        if (max > this.lastOutputWatermark) {
          this.lastOutputWatermark = max;
          out.push({ kind: 'watermark', timestamp: max });
        }
`,
    replacement: '',
    bug: 'when the last input goes idle the largest watermark of any input is not forwarded: the result depends on the order inputs went idle',
    tests: ['test/runtime/watermarks/status-watermark-valve.test.ts'],
  },
  {
    id: 'valve-rejoining-input-counts-at-once',
    area: 'watermarks',
    file: 'src/runtime/watermarks/status-watermark-valve.ts',
    original: `      if (c.watermark >= this.lastOutputWatermark) c.aligned = true;
      const wasIdle = this.idle;`,
    replacement: `      c.aligned = true;
      const wasIdle = this.idle;`,
    bug: "an input back from idleness behind the task's watermark counts in the minimum at once: event time stalls until it catches up",
    tests: ['test/runtime/watermarks/status-watermark-valve.test.ts'],
  },
  {
    id: 'valve-end-of-input-holds-back',
    area: 'watermarks',
    file: 'src/runtime/watermarks/status-watermark-valve.ts',
    original: 'const out = [...this.inputWatermarkStatus(channel, false), ...this.inputWatermark(channel, MAX_TIMESTAMP)];',
    replacement: 'const out = [...this.inputWatermarkStatus(channel, false)];',
    bug: 'an input that ends without the maximum watermark holds the minimum back for good: the last windows never fire',
    tests: ['test/runtime/watermarks/status-watermark-valve.test.ts'],
  },
  {
    id: 'emitter-forwards-backwards',
    area: 'watermarks',
    file: 'src/runtime/watermarks/watermark-emitter.ts',
    original: 'if (timestamp <= this.current) return;',
    replacement: 'if (timestamp === this.current) return;',
    bug: 'a generator whose watermark goes back (a custom one, or a reset) sends it downstream: watermarks are no longer monotonic',
    tests: ['test/runtime/watermarks/source-watermarks.test.ts'],
  },
  {
    id: 'idle-split-holds-source-back',
    area: 'watermarks',
    file: 'src/runtime/watermarks/watermark-output-multiplexer.ts',
    original: 'for (const p of this.outputs) if (!p.idle && p.watermark < min) min = p.watermark;',
    replacement: 'for (const p of this.outputs) if (p.watermark < min) min = p.watermark;',
    bug: "an idle split holds back its source's watermark: windows of the other splits never fire",
    tests: ['test/runtime/event-time.test.ts'],
  },
  {
    id: 'finished-split-holds-source-back',
    area: 'watermarks',
    file: 'src/runtime/watermarks/watermark-output-multiplexer.ts',
    original: `  unregister(p: PartialWatermark): void {
    this.outputs.delete(p);`,
    replacement: `  unregister(p: PartialWatermark): void {
    void p;`,
    bug: "a finished split keeps counting in its source's watermark: the other splits' event time stops at its last watermark",
    tests: ['test/runtime/event-time.test.ts'],
  },
  {
    id: 'split-generators-not-periodic',
    area: 'watermarks',
    file: 'src/runtime/sources/source-watermarks.ts',
    original: '    for (const s of this.splits.values()) s.generator.onPeriodicEmit(s.deferred);\n',
    replacement: '',
    bug: "per-split periodic generators are never asked for a watermark: a source with split outputs has no event time until its input ends",
    tests: ['test/runtime/event-time.test.ts'],
  },
  {
    id: 'source-ends-without-max-watermark',
    area: 'watermarks',
    file: 'src/runtime/sources/source-watermarks.ts',
    original: `    this.emitter.emitTimestamp(MAX_TIMESTAMP);
    this.ended = true;`,
    replacement: `    this.ended = true;`,
    bug: 'a bounded source with a watermark strategy ends without the maximum watermark: the last windows and timers of its chain never fire',
    tests: ['test/runtime/watermarks/source-watermarks.test.ts'],
  },
  {
    id: 'idleness-ignores-events',
    area: 'watermarks',
    file: 'src/graph/watermark-generators.ts',
    original: `    this.watermarks.onEvent(event, eventTimestamp, output);
    this.timer.activity();`,
    replacement: `    this.watermarks.onEvent(event, eventTimestamp, output);`,
    bug: 'withIdleness marks a busy source idle after the timeout: it stops holding event time back and its records arrive late',
    tests: ['test/graph/watermark-generators.test.ts'],
  },

  // ── Round 2: event-time timers ──────────────────────────────────────────────────────────
  {
    id: 'timer-at-watermark-not-fired',
    area: 'event-time timers',
    file: 'src/runtime/timers/internal-timer-service-impl.ts',
    original: 'for (let t = heap.peek(); t !== undefined && t.timestamp <= time; t = heap.peek()) {',
    replacement: 'for (let t = heap.peek(); t !== undefined && t.timestamp < time; t = heap.peek()) {',
    bug: 'a timer at exactly the watermark does not fire until the next one: a window ending at the watermark fires late (or only at the end)',
    tests: ['test/runtime/timers/internal-timer-service.test.ts'],
  },
  {
    id: 'timer-registered-twice-fires-twice',
    area: 'event-time timers',
    file: 'src/runtime/timers/internal-timer-service-impl.ts',
    original: '    else if (indexOfTimer(list, domain, time, ns) >= 0) return;\n',
    replacement: '',
    bug: 'a timer registered twice for one key, namespace and time fires twice: a window emits its result twice',
    tests: ['test/runtime/timers/internal-timer-service.test.ts'],
  },
  {
    id: 'deleted-timer-fires',
    area: 'event-time timers',
    file: 'src/runtime/timers/internal-timer-service-impl.ts',
    original: `      heap.pop();
      if (this.claim(EVENT_TIME_DOMAIN, t)) this.fireEventTime(t, target);`,
    replacement: `      heap.pop();
      this.claim(EVENT_TIME_DOMAIN, t);
      this.fireEventTime(t, target);`,
    bug: 'a deleted event-time timer fires anyway (and one deleted and registered again fires twice)',
    tests: ['test/runtime/timers/internal-timer-service.test.ts'],
  },
  {
    id: 'timer-heap-out-of-order',
    area: 'event-time timers',
    file: 'src/runtime/timers/timer-heap.ts',
    original: 'if (r < n && this.before(r, l)) m = r;',
    replacement: 'if (r < n) m = r;',
    bug: 'the timer heap takes the right child over a smaller left one: timers fire out of time order, and a later one blocks earlier ones',
    tests: ['test/runtime/timers/timer-queue.test.ts'],
  },
  {
    id: 'timer-queue-ignores-heap',
    area: 'event-time timers',
    file: 'src/runtime/timers/timer-queue.ts',
    original: '    if (top !== undefined && before(top, run.first())) return this.heap.pop();\n',
    replacement: '',
    bug: 'the timer queue takes the earliest run first even when the heap holds an earlier timer: timers set out of order fire late',
    tests: ['test/runtime/timers/timer-queue.test.ts'],
  },
  {
    id: 'timers-restore-drops-last-key-group',
    area: 'event-time timers',
    file: 'src/runtime/timers/internal-timer-service-impl.ts',
    original: '    for (let kg = range.start; kg <= range.end; kg++) {\n      for (const [mk, value] of table.entries(kg)) {',
    replacement: '    for (let kg = range.start; kg < range.end; kg++) {\n      for (const [mk, value] of table.entries(kg)) {',
    bug: "a restore leaves the timers of each subtask's last key group out of the heap: they are in state but never fire",
    tests: ['test/runtime/timers/internal-timer-service.test.ts'],
  },

  // ── Round 2: window firing and lateness ─────────────────────────────────────────────────
  {
    id: 'window-restored-contents-skip-timers',
    area: 'window firing and lateness',
    file: 'src/runtime/operators/window/window-operator.ts',
    original: '    this.slotFresh[i] = this.restoredNamespaces !== undefined && !this.restoredNamespaces.has(this.slotNamespaces[i]!);\n',
    replacement: '    this.slotFresh[i] = this.restoredNamespaces !== undefined;\n',
    bug: 'a window restored with contents is taken to have its timers set: after a restore with more allowed lateness its state is never cleaned up',
    tests: ['test/runtime/operators/window/window-known-timers.test.ts'],
  },
  {
    id: 'window-known-timers-ignore-watermark',
    area: 'window firing and lateness',
    file: 'src/runtime/operators/window/window-operator.ts',
    original: '      if (this.slotFresh[i] && window.maxTimestamp() > watermark && this.addElementIfPresent(value, timestamp)) continue;',
    replacement: '      if (this.slotFresh[i] && this.addElementIfPresent(value, timestamp)) continue;',
    bug: 'a late element within the allowed lateness skips the trigger when its key has contents: the window does not fire again with the updated result',
    tests: ['test/runtime/operators/window/window-known-timers.test.ts'],
  },
  {
    id: 'event-time-trigger-never-registers',
    area: 'window firing and lateness',
    file: 'src/windowing/triggers/end-of-window-trigger.ts',
    original: `      if (window.maxTimestamp() <= ctx.getCurrentWatermark()) return TriggerResult.FIRE;
      ctx.registerEventTimeTimer(window.maxTimestamp());`,
    replacement: `      if (window.maxTimestamp() <= ctx.getCurrentWatermark()) return TriggerResult.FIRE;`,
    bug: 'the event-time trigger registers no timer at the window end: windows never fire and their results are lost',
    tests: ['test/windowing/triggers.test.ts'],
  },
  {
    id: 'late-element-not-refired',
    area: 'window firing and lateness',
    file: 'src/windowing/triggers/end-of-window-trigger.ts',
    original: `      if (window.maxTimestamp() <= ctx.getCurrentWatermark()) return TriggerResult.FIRE;
      ctx.registerEventTimeTimer(window.maxTimestamp());`,
    replacement: `      if (window.maxTimestamp() <= ctx.getCurrentWatermark()) return TriggerResult.CONTINUE;
      ctx.registerEventTimeTimer(window.maxTimestamp());`,
    bug: 'an element within the allowed lateness is added to its fired window without firing it again: the late update never reaches the output',
    tests: ['test/runtime/operators/window/window-lateness.test.ts'],
  },
  {
    id: 'window-late-one-ms-later',
    area: 'window firing and lateness',
    file: 'src/windowing/lateness.ts',
    original: 'return cleanup <= watermark;',
    replacement: 'return cleanup < watermark;',
    bug: 'a window whose cleanup time equals the watermark still takes elements (Flink: late when maxTimestamp + lateness <= watermark)',
    tests: ['test/windowing/lateness.test.ts', 'test/runtime/operators/window/window-lateness.test.ts'],
  },
  {
    id: 'negative-timestamps-wrong-window',
    area: 'window firing and lateness',
    file: 'src/windowing/time-window.ts',
    original: 'return remainder < 0 ? timestamp - (remainder + windowSize) : timestamp - remainder;',
    replacement: 'return timestamp - remainder;',
    bug: 'elements with negative timestamps are assigned to a window that starts after them',
    tests: ['test/windowing/time-window.test.ts', 'test/windowing/assigners.test.ts'],
  },
  {
    id: 'window-offset-ignored',
    area: 'window firing and lateness',
    file: 'src/windowing/time-window.ts',
    original: 'const remainder = (timestamp - offset) % windowSize;',
    replacement: 'const remainder = timestamp % windowSize;',
    bug: "a window assigner's offset (e.g. time zones for daily windows) is ignored: windows start at the epoch's multiples",
    tests: ['test/windowing/time-window.test.ts', 'test/windowing/assigners.test.ts'],
  },
  {
    id: 'sliding-extra-window',
    area: 'window firing and lateness',
    file: 'src/windowing/assigners/sliding-windows.ts',
    original: 'for (let start = lastStart; start > time - this.size; start -= this.slide) {',
    replacement: 'for (let start = lastStart; start >= time - this.size; start -= this.slide) {',
    bug: 'a sliding window assigner also puts an element in the window that ended just at its timestamp: it is counted in one window too many',
    tests: ['test/windowing/assigners.test.ts'],
  },
  {
    id: 'sliding-cache-ignores-count',
    area: 'window firing and lateness',
    file: 'src/windowing/assigners/sliding-windows.ts',
    original: 'if (last.start === lastStart && last.count === count) return last.windows;',
    replacement: 'if (last.start === lastStart) return last.windows;',
    bug: 'sliding windows whose size is not a multiple of the slide reuse the previous element\'s windows: an element lands in a window that does not hold it, or misses one that does',
    tests: ['test/windowing/assigners.test.ts'],
  },
  {
    id: 'sessions-touching-not-merged',
    area: 'window firing and lateness',
    file: 'src/windowing/time-window.ts',
    original: 'return this.start <= other.end && this.end >= other.start;',
    replacement: 'return this.start < other.end && this.end > other.start;',
    bug: 'session windows that touch are not merged: one session fires as two',
    tests: ['test/windowing/time-window.test.ts', 'test/windowing/merging-window-set.test.ts'],
  },
  {
    id: 'session-merge-drops-contents',
    area: 'window firing and lateness',
    file: 'src/runtime/operators/window/window-operator.ts',
    original: '        this.contents.mergeNamespaces(target, mergedStateWindows.map((w) => this.serializer.toNamespace(w)));\n',
    replacement: '',
    bug: "merging sessions keeps only one session's contents: the merged session's result misses the elements of the others",
    tests: ['test/runtime/operators/window/window-operator.test.ts'],
  },
  {
    id: 'fire-and-purge-keeps-contents',
    area: 'window firing and lateness',
    file: 'src/windowing/triggers/trigger-result.ts',
    original: "static readonly FIRE_AND_PURGE = new TriggerResult('FIRE_AND_PURGE', true, true);",
    replacement: "static readonly FIRE_AND_PURGE = new TriggerResult('FIRE_AND_PURGE', true, false);",
    bug: 'a purging trigger fires without clearing the window: every firing repeats the elements of the earlier ones',
    tests: ['test/windowing/triggers.test.ts', 'test/runtime/operators/window/window-operator.test.ts'],
  },
  {
    id: 'late-data-dropped-despite-side-output',
    area: 'window firing and lateness',
    file: 'src/runtime/operators/window/window-operator.ts',
    original: 'if (this.lateOutput !== undefined) this.lateOutput.collect(value);',
    replacement: 'if (this.lateOutput !== undefined) this.numLateRecordsDropped++;',
    bug: 'late elements are dropped though the job asked for them on sideOutputLateData',
    tests: ['test/runtime/operators/window/window-lateness.test.ts'],
  },
  {
    id: 'late-data-dropped-uncounted',
    area: 'window firing and lateness',
    file: 'src/runtime/operators/window/window-operator.ts',
    original: 'else if (this.lateTag === undefined) this.numLateRecordsDropped++;',
    replacement: 'else if (this.lateTag === undefined) this.numLateRecordsDropped += 0;',
    bug: 'late elements without a side output are dropped silently: numLateRecordsDropped stays 0',
    tests: ['test/runtime/operators/window/window-lateness.test.ts'],
  },
  {
    id: 'window-state-never-cleaned',
    area: 'window firing and lateness',
    file: 'src/runtime/operators/window/window-operator.ts',
    original: `isCleanupTime(window, timer.timestamp, this.allowedLateness, this.eventTime)) {
      this.clearAllState(window, sets);
    }`,
    replacement: `isCleanupTime(window, timer.timestamp, this.allowedLateness, this.eventTime)) {
      void sets;
    }`,
    bug: "a window's state is never dropped at its cleanup time: state grows without bound, and a late element re-fires a window long past its lateness",
    tests: ['test/runtime/operators/window/window-operator.test.ts', 'test/runtime/operators/window/window-lateness.test.ts'],
  },

  // ── Round 2: joins and broadcast state (issue 13) ───────────────────────────────────────
  {
    id: 'two-input-ignores-blocked-channel',
    area: 'joins and broadcast state',
    file: 'src/runtime/tasks/channel-input-task.ts',
    original: 'if (channel.isEmpty() || this.aligner.isBlocked(i)) continue;',
    replacement: 'if (channel.isEmpty()) continue;',
    bug: "a two-input task reads past a barrier on one input while waiting for the other's: records after the checkpoint land in it, and a restore replays them twice",
    tests: ['test/runtime/two-input/two-input-stream-task.test.ts'],
  },
  {
    id: 'interval-join-lower-exclusive-ignored',
    area: 'joins and broadcast state',
    file: 'src/api/interval-join.ts',
    original: 'const lowerBound = this.lowerInclusive ? this.lower : this.lower + 1;',
    replacement: 'const lowerBound = this.lower;',
    bug: 'lowerBoundExclusive() is ignored: pairs exactly at the lower bound are joined',
    tests: ['test/runtime/two-input/interval-join-operator.test.ts', 'test/api/interval-join.test.ts'],
  },
  {
    id: 'interval-join-upper-exclusive-ignored',
    area: 'joins and broadcast state',
    file: 'src/api/interval-join.ts',
    original: 'const upperBound = this.upperInclusive ? this.upper : this.upper - 1;',
    replacement: 'const upperBound = this.upper;',
    bug: 'upperBoundExclusive() is ignored: pairs exactly at the upper bound are joined',
    tests: ['test/runtime/two-input/interval-join-operator.test.ts', 'test/api/interval-join.test.ts'],
  },
  {
    id: 'interval-join-late-at-watermark',
    area: 'joins and broadcast state',
    file: 'src/runtime/operators/two-input/interval-join-operator.ts',
    original: 'return watermark !== MIN_TIMESTAMP && timestamp < watermark;',
    replacement: 'return watermark !== MIN_TIMESTAMP && timestamp <= watermark;',
    bug: 'an element whose timestamp equals the watermark is treated as late: its pairs are lost',
    tests: ['test/runtime/two-input/interval-join-operator.test.ts'],
  },
  {
    id: 'interval-join-left-never-cleaned',
    area: 'joins and broadcast state',
    file: 'src/runtime/operators/two-input/interval-join-operator.ts',
    original: 'if (timer.namespace === CLEANUP_LEFT) this.removeBucket(this.leftBuffer, this.upperBound <= 0 ? t : t - this.upperBound);',
    replacement: 'if (timer.namespace === CLEANUP_LEFT) void t;',
    bug: "the left side's buffer is never cleaned as the watermark passes: join state grows without bound",
    tests: ['test/runtime/two-input/interval-join-operator.test.ts'],
  },
  {
    id: 'broadcast-state-restored-to-first-subtask-only',
    area: 'joins and broadcast state',
    file: 'src/checkpoint/state-assignment.ts',
    original: "for (const [name, copies] of broadcast) mine.set(name, { mode: 'broadcast', values: [...copies[i % copies.length]!] });",
    replacement: "for (const [name, copies] of broadcast) mine.set(name, { mode: 'broadcast', values: i === 0 ? [...copies[0]!] : [] });",
    bug: 'after a rescale only the first subtask has the broadcast state (the rules): the other subtasks apply none',
    tests: ['test/checkpoint/state-assignment.test.ts'],
  },
];
