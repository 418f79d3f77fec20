import type { CommandRecord, JobConfigRecord, JobStatus, MetadataStore, StatusChange, TransitionFields } from '../metadata/index.js';
import { isTerminal } from '../metadata/index.js';
import type { Clock } from '../util/clock.js';
import type { JobId } from '../util/ids.js';
import { type FenceSettings, JobFence } from './job-fence.js';
import { writeWarning } from '../util/warning.js';

/** How often a running job looks for commands (cancel, savepoint, stop, checkpoint). */
export const COMMAND_POLL_INTERVAL_MS = 100;

/** What the tracker records about a job when it starts. */
export interface TrackedJob {
  readonly jobId: JobId;
  readonly name: string;
  readonly jobFile: string;
  readonly args: readonly string[];
  readonly parallelism: number;
  readonly config: JobConfigRecord;
  /**
   * The job's fence if its row already exists and this process took it over at start-up
   * (`flink run -d` creates the row before it starts the process); else the tracker creates it.
   */
  readonly preAcquired?: JobFence;
  /** The snapshot the job was restored from. */
  readonly restoredFrom: string | null;
}

/** What the job does when a command arrives. */
export interface CommandHandler {
  cancel(): void;
  /** Takes a checkpoint now; resolves with its id and path. */
  checkpoint(full: boolean): Promise<{ checkpointId: number; path: string }>;
  /** Takes a savepoint into `dir` (or the configured savepoint directory). */
  savepoint(dir: string | undefined): Promise<{ checkpointId: number; path: string }>;
  /** Takes a savepoint, then ends the job (draining it first if asked). */
  stop(dir: string | undefined, drain: boolean): Promise<{ checkpointId: number; path: string }>;
}

/**
 * A running job's side of the metadata store: its status (compare-and-set under its fencing
 * epoch), its heartbeat (through its {@link JobFence}), and the commands the CLI leaves for it.
 * Store errors while running are reported but never stop the job; losing the job's ownership does.
 */
export class JobTracker {
  private pollTimer: NodeJS.Timeout | undefined;
  private readonly cancelCommands: number[] = [];
  private fence: JobFence | undefined;

  constructor(
    private readonly store: MetadataStore,
    private readonly job: TrackedJob,
    private readonly clock: Clock,
    private readonly settings: FenceSettings,
    /** Where status changes are logged (a detached job's log file); silent if unset. */
    private readonly log?: (line: string) => void,
  ) {}

  /**
   * Records the job as RUNNING in this process under its own fencing epoch (creating its row
   * unless `flink run -d` did) and starts heartbeats. Returns the fence every commit checks.
   *
   * @throws JobFencedError if the job was taken or failed before this process could start it
   */
  start(): JobFence {
    const { jobId } = this.job;
    const fields = { name: this.job.name, parallelism: this.job.parallelism, config: this.job.config, restoredFrom: this.job.restoredFrom };
    let fence = this.job.preAcquired;
    if (fence) this.store.updateJob(jobId, fields);
    else {
      this.store.createJob({ jobId, jobFile: this.job.jobFile, args: this.job.args, status: 'CREATED', startTime: this.clock.now(), ...fields });
      fence = JobFence.acquire(this.store, jobId, this.settings, { clock: this.clock, log: this.log });
    }
    this.fence = fence;
    fence.onFenced((err) => {
      clearInterval(this.pollTimer);
      this.log?.(err.message);
    });
    const from = this.job.restoredFrom === null ? '' : `, restored from ${this.job.restoredFrom}`;
    this.log?.(`Starting job ${this.job.name} (${jobId}) in process ${process.pid}${from}.`);
    this.moveTo('RUNNING');
    return fence;
  }

  /** Starts taking the commands the CLI leaves for the job. */
  listen(handler: CommandHandler): void {
    this.pollTimer = setInterval(() => this.guard(() => this.poll(handler)), COMMAND_POLL_INTERVAL_MS);
    // The timer must not keep a finished job's process alive.
    this.pollTimer.unref();
  }

  /** A failure the job recovers from: RESTARTING, with the cause and attempt recorded. */
  restarting(cause: string, stack: string | undefined, attempt: number, delayMs: number): void {
    this.guard(() => {
      this.store.recordEvent({ jobId: this.job.jobId, kind: 'restart', time: this.clock.now(), cause, stack: stack ?? null, attempt });
      this.moveTo('RESTARTING', { failureCause: cause });
      this.log?.(`Restarting job ${this.job.name} (${this.job.jobId}) in ${delayMs} ms, attempt ${attempt}, after: ${cause}`);
    });
  }

  /**
   * A failure while the job waits to restart that its restart strategy counts as a restart of
   * its own (fixed-delay, failure-rate): recorded as one; the job stays RESTARTING.
   */
  failedWhileRestarting(cause: string, stack: string | undefined, attempt: number, delayMs: number): void {
    this.guard(() => {
      this.store.recordEvent({ jobId: this.job.jobId, kind: 'restart', time: this.clock.now(), cause, stack: stack ?? null, attempt });
      this.log?.(`Restarting job ${this.job.name} (${this.job.jobId}) in ${delayMs} ms instead, attempt ${attempt}, after a failure while it waited: ${cause}`);
    });
  }

  /** The job runs again after a restart, from `restored` (none: from its start). */
  restarted(restored?: { id: number; path: string }): void {
    // Apart: a restore flink.db cannot record must not keep the job's record RESTARTING.
    if (restored && !this.fence?.fenced) this.guard(() => this.store.recordRestored(this.job.jobId, { ...restored, time: this.clock.now() }));
    this.guard(() => this.moveTo('RUNNING'));
  }

  /** Moves to CANCELLING (a cancel by signal or command); the end status follows in `finish`. */
  cancelling(): void {
    this.guard(() => this.moveTo('CANCELLING'));
  }

  /** Records how the job ended and answers the commands still waiting; heartbeats stop. */
  finish(outcome: { status: 'FINISHED' } | { status: 'CANCELED' } | { status: 'FAILED'; cause: string; stack?: string }): void {
    clearInterval(this.pollTimer);
    this.guard(() => {
      if (this.fence?.fenced) return;
      const now = this.clock.now();
      if (outcome.status === 'FAILED') {
        this.moveTo('FAILING');
        // That move found the job declared lost by another process (fenced): its record is theirs.
        if (this.fence?.fenced) return;
        this.store.recordEvent({ jobId: this.job.jobId, kind: 'failure', time: now, cause: outcome.cause, stack: outcome.stack ?? null });
        this.moveTo('FAILED', { endTime: now, failureCause: outcome.cause, failureStack: outcome.stack ?? null });
      } else {
        // A cancel by signal moves through CANCELLING here; by command, it already did.
        if (outcome.status === 'CANCELED') this.moveTo('CANCELLING');
        this.moveTo(outcome.status, { endTime: now });
      }
      for (const id of this.cancelCommands) this.store.completeCommand(id, { status: outcome.status });
      this.store.failOpenCommands(this.job.jobId, `the job ended as ${outcome.status} before the command ran`);
    });
    this.fence?.stop();
  }

  private poll(handler: CommandHandler): void {
    if (this.fence?.fenced) return;
    for (const cmd of this.store.takePendingCommands(this.job.jobId)) this.handle(cmd, handler);
  }

  private handle(cmd: CommandRecord, handler: CommandHandler): void {
    if (cmd.kind === 'cancel') {
      this.cancelCommands.push(cmd.id);
      this.moveTo('CANCELLING');
      handler.cancel();
      return;
    }
    const dir = typeof cmd.args['dir'] === 'string' ? cmd.args['dir'] : undefined;
    const work =
      cmd.kind === 'checkpoint'
        ? handler.checkpoint(cmd.args['full'] === true)
        : cmd.kind === 'savepoint'
          ? handler.savepoint(dir)
          : cmd.kind === 'stop'
            ? handler.stop(dir, cmd.args['drain'] === true)
            : undefined;
    if (work) {
      // What was asked of a job and what came of it belongs in its log, as in Flink's JobManager log:
      // after an incident, the log says which savepoint a stop left and which snapshot a run began from.
      const what = cmd.kind === 'stop' ? `Stop with a savepoint${cmd.args['drain'] === true ? ' (drain)' : ''}` : cmd.kind === 'savepoint' ? 'Savepoint' : 'Checkpoint';
      const job = `job ${this.job.name} (${this.job.jobId})`;
      this.log?.(`${what} of ${job} triggered.`);
      work.then(
        (result) =>
          this.guard(() => {
            this.log?.(`${what} of ${job} completed: checkpoint ${result.checkpointId}, ${result.path}.`);
            this.store.completeCommand(cmd.id, result);
          }),
        (err: unknown) =>
          this.guard(() => {
            this.log?.(`${what} of ${job} failed: ${(err as Error).message}`);
            this.store.failCommand(cmd.id, (err as Error).message);
          }),
      );
      return;
    }
    this.store.failCommand(cmd.id, `'${cmd.kind}' is not supported by this version of flink-ts`);
  }

  /**
   * One compare-and-set of the status under this process's epoch. A refused move means the job
   * is already past it (e.g. a second cancel of a CANCELLING job) and is left as it is; a fenced
   * one means another process owns the job now, and this process stops.
   */
  private moveTo(to: JobStatus, fields?: TransitionFields): StatusChange | undefined {
    const fence = this.fence;
    if (!fence || fence.fenced) return undefined;
    const change = this.store.compareAndSetStatus(this.job.jobId, to, { epoch: fence.epoch, fields });
    const { name, jobId } = this.job;
    if (change.outcome === 'moved') {
      const cause = fields?.failureCause ? `: ${fields.failureCause}` : '';
      this.log?.(`Job ${name} (${jobId}) switched from state ${change.from} to ${to}${cause}.`);
    } else if (change.outcome === 'fenced') {
      fence.fence(`another process declared it ${change.job.status}${change.job.failureCause ? ` (${change.job.failureCause})` : ''}`);
    } else if (isTerminal(to)) {
      this.log?.(`Job ${name} (${jobId}) stays ${change.job.status}: it cannot move to ${to}.`);
    }
    return change;
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      writeWarning(`Cannot update the job's record in flink.db: ${(err as Error).message}`);
    }
  }
}
