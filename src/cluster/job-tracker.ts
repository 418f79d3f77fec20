import type { CommandRecord, JobConfigRecord, JobStatus, MetadataStore } from '../metadata/index.js';
import { canTransition } from '../metadata/index.js';
import type { Clock } from '../util/clock.js';
import type { JobId } from '../util/ids.js';
import { HEARTBEAT_INTERVAL_MS } from './liveness.js';

/** How often a running job looks for commands (cancel, and later savepoint/stop/checkpoint). */
export const COMMAND_POLL_INTERVAL_MS = 100;

/** What the tracker records about a job when it starts. */
export interface TrackedJob {
  readonly jobId: JobId;
  readonly name: string;
  readonly jobFile: string;
  readonly args: readonly string[];
  readonly parallelism: number;
  readonly config: JobConfigRecord;
  /** The row already exists (created by `flink run -d` before it started this process). */
  readonly preCreated: boolean;
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
 * A running job's side of the metadata store: its status (through the transition table), its
 * heartbeat, and the commands the CLI leaves for it. Store errors while running are reported
 * but never stop the job.
 */
export class JobTracker {
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private readonly cancelCommands: number[] = [];

  constructor(
    private readonly store: MetadataStore,
    private readonly job: TrackedJob,
    private readonly clock: Clock,
    /** Where status changes are logged (a detached job's log file); silent if unset. */
    private readonly log?: (line: string) => void,
  ) {}

  /** Records the job as RUNNING in this process and starts heartbeats and command polling. */
  start(handler: CommandHandler): void {
    const { jobId } = this.job;
    const fields = {
      name: this.job.name,
      parallelism: this.job.parallelism,
      config: this.job.config,
      pid: process.pid,
      restoredFrom: this.job.restoredFrom,
    };
    if (this.job.preCreated) this.store.updateJob(jobId, fields);
    else {
      this.store.createJob({ jobId, jobFile: this.job.jobFile, args: this.job.args, status: 'CREATED', startTime: this.clock.now(), ...fields });
    }
    this.log?.(`Starting job ${this.job.name} (${jobId}) in process ${process.pid}.`);
    this.moveTo('RUNNING', { pid: process.pid });
    this.store.heartbeat(jobId, this.clock.now());
    this.heartbeatTimer = setInterval(() => this.guard(() => this.store.heartbeat(jobId, this.clock.now())), HEARTBEAT_INTERVAL_MS);
    this.pollTimer = setInterval(() => this.guard(() => this.poll(handler)), COMMAND_POLL_INTERVAL_MS);
    // Timers must not keep a finished job's process alive.
    this.heartbeatTimer.unref();
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

  /** The job runs again after a restart. */
  restarted(): void {
    this.guard(() => this.moveTo('RUNNING'));
  }

  /** Moves to CANCELLING (a cancel by signal or command); the end status follows in `finish`. */
  cancelling(): void {
    this.guard(() => this.moveTo('CANCELLING'));
  }

  /** Records how the job ended and answers the commands still waiting. */
  finish(outcome: { status: 'FINISHED' } | { status: 'CANCELED' } | { status: 'FAILED'; cause: string; stack?: string }): void {
    clearInterval(this.heartbeatTimer);
    clearInterval(this.pollTimer);
    this.guard(() => {
      const now = this.clock.now();
      if (outcome.status === 'FAILED') {
        this.moveTo('FAILING');
        this.store.recordEvent({ jobId: this.job.jobId, kind: 'failure', time: now, cause: outcome.cause, stack: outcome.stack ?? null });
        this.moveTo('FAILED', { endTime: now, failureCause: outcome.cause, failureStack: outcome.stack ?? null });
      } else {
        if (outcome.status === 'CANCELED') this.moveTo('CANCELLING');
        this.moveTo(outcome.status, { endTime: now });
      }
      for (const id of this.cancelCommands) this.store.completeCommand(id, { status: outcome.status });
      this.store.failOpenCommands(this.job.jobId, `the job ended as ${outcome.status} before the command ran`);
    });
  }

  private poll(handler: CommandHandler): void {
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
      work.then(
        (result) => this.guard(() => this.store.completeCommand(cmd.id, result)),
        (err: unknown) => this.guard(() => this.store.failCommand(cmd.id, (err as Error).message)),
      );
      return;
    }
    this.store.failCommand(cmd.id, `'${cmd.kind}' is not supported by this version of flink-ts`);
  }

  /** Applies a transition if the table allows it from the current status (else it has happened). */
  private moveTo(to: JobStatus, fields?: Parameters<MetadataStore['transitionJob']>[2]): void {
    const current = this.store.getJob(this.job.jobId);
    if (!current || !canTransition(current.status, to)) return;
    this.store.transitionJob(this.job.jobId, to, fields);
    const cause = fields?.failureCause ? `: ${fields.failureCause}` : '';
    this.log?.(`Job ${this.job.name} (${this.job.jobId}) switched from state ${current.status} to ${to}${cause}.`);
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      process.stderr.write(`flink-ts: cannot update the job's record in flink.db: ${(err as Error).message}\n`);
    }
  }
}
