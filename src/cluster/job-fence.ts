import { performance } from 'node:perf_hooks';
import { type Configuration, HeartbeatManagerOptions } from '../config/index.js';
import { type JobRecord, type MetadataStore, isTerminal } from '../metadata/index.js';
import type { Clock } from '../util/clock.js';
import { ConfigError, FlinkError } from '../util/errors.js';
import type { JobId } from '../util/ids.js';
import { ownProcess } from './job-process.js';

/** This process no longer owns the job: it must stop without committing anything more. */
export class JobFencedError extends FlinkError {
  constructor(jobId: string, reason: string) {
    super('job.fenced', `Job ${jobId} is no longer owned by this process: ${reason}. It stopped without committing anything more.`);
  }
}

/** The liveness settings a job runs with. */
export interface FenceSettings {
  readonly heartbeatIntervalMs: number;
  readonly heartbeatTimeoutMs: number;
}

/** `heartbeat.interval` and `heartbeat.timeout` of a configuration. */
export function fenceSettings(config: Configuration): FenceSettings {
  const heartbeatIntervalMs = config.get(HeartbeatManagerOptions.HEARTBEAT_INTERVAL);
  const heartbeatTimeoutMs = config.get(HeartbeatManagerOptions.HEARTBEAT_TIMEOUT);
  if (heartbeatIntervalMs * 3 > heartbeatTimeoutMs) {
    throw new ConfigError(
      `heartbeat.interval (${heartbeatIntervalMs} ms) must be at most a third of heartbeat.timeout (${heartbeatTimeoutMs} ms), so a job renews its heartbeat several times before it could be declared lost.`,
    );
  }
  return { heartbeatIntervalMs, heartbeatTimeoutMs };
}

/**
 * How old the job's last confirmed heartbeat may be before it must re-confirm ownership to commit:
 * 2/3 of the timeout after which another process may declare it lost, so a job always stops
 * committing before anyone can declare it lost, with a third of the timeout to spare.
 */
export function selfFencingTimeout(settings: FenceSettings): number {
  return Math.floor((settings.heartbeatTimeoutMs * 2) / 3);
}

/** What commit paths check: sink commits, `_metadata` publish, deletions of retained checkpoints. */
export interface CommitFence {
  /**
   * Throws {@link JobFencedError} unless this process may still commit for the job. Cheap: an
   * in-memory look at the heartbeat's age and one read of the job's epoch and status.
   */
  check(action: string): void;
  /** True once this process has found it no longer owns the job (it never owns it again). */
  readonly fenced: boolean;
}

/** Options of {@link JobFence.acquire}; all injectable for tests. */
export interface FenceOptions {
  readonly clock: Clock;
  /** A monotonic clock in ms: unlike wall time, it tells how long this process was frozen. */
  readonly monotonic?: () => number;
  /** Where failures to write the heartbeat are reported. */
  readonly log?: (line: string) => void;
  /** Start the heartbeat timer (default true; tests drive {@link JobFence.heartbeat} by hand). */
  readonly heartbeats?: boolean;
}

/**
 * The fencing token of one job in this process, as Flink's JobMaster holds a leader id: the
 * epoch taken when the process took the job over, kept by a heartbeat (a lease in flink.db).
 *
 * Another process may declare the job lost once its heartbeat is older than the timeout (the
 * process is frozen, hung, or cut off from flink.db); that moves the job to a new epoch. Before
 * every commit the job checks, with a monotonic clock, that its last confirmed heartbeat is
 * younger than 2/3 of the timeout — so a process waking from SIGSTOP notices before its first
 * commit, even if a commit runs before any timer — and else re-confirms its epoch in the same
 * statement that renews the heartbeat; it also reads its epoch and status. Once fenced it stays
 * fenced, and its listeners stop the job.
 */
export class JobFence implements CommitFence {
  private confirmedAt: number;
  private error: JobFencedError | undefined;
  private readonly listeners: Array<(err: JobFencedError) => void> = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly monotonic: () => number;
  private readonly selfTimeoutMs: number;

  private constructor(
    private readonly store: MetadataStore,
    readonly jobId: JobId,
    /** This process's fencing token for the job. */
    readonly epoch: number,
    settings: FenceSettings,
    private readonly opts: FenceOptions,
    confirmedAt: number,
  ) {
    this.monotonic = opts.monotonic ?? (() => performance.now());
    this.confirmedAt = confirmedAt;
    this.selfTimeoutMs = selfFencingTimeout(settings);
    if (opts.heartbeats !== false) {
      this.timer = setInterval(() => this.heartbeat(), settings.heartbeatIntervalMs);
      // The heartbeat must not keep a finished job's process alive.
      this.timer.unref();
    }
  }

  /**
   * Takes over the CREATED job `jobId` for this process: records the process and its first
   * heartbeat, takes the next epoch, and starts heartbeats.
   *
   * @throws JobFencedError if the job is not CREATED (taken by another process, or failed before it started)
   */
  static acquire(store: MetadataStore, jobId: JobId, settings: FenceSettings, opts: FenceOptions): JobFence {
    const monotonic = opts.monotonic ?? (() => performance.now());
    const before = monotonic();
    const me = ownProcess();
    const epoch = store.acquireJob(jobId, { pid: me.pid, pidStart: me.startTime, heartbeat: opts.clock.now() });
    if (epoch === undefined) {
      const job = store.getJob(jobId);
      throw new JobFencedError(jobId, job ? `it is ${describeStatus(job)}, not waiting to start` : 'it has no record in flink.db');
    }
    return new JobFence(store, jobId, epoch, settings, opts, before);
  }

  get fenced(): boolean {
    return this.error !== undefined;
  }

  /** Called once, when this process finds it no longer owns the job. */
  onFenced(listener: (err: JobFencedError) => void): void {
    if (this.error) listener(this.error);
    else this.listeners.push(listener);
  }

  check(action: string): void {
    if (this.error) throw this.error;
    if (this.monotonic() - this.confirmedAt > this.selfTimeoutMs) {
      // Frozen, hung or cut off for a while: commit only after re-confirming the epoch.
      this.heartbeat();
      if (this.error) throw this.error;
      if (this.monotonic() - this.confirmedAt > this.selfTimeoutMs) throw this.fence(`it could not confirm its heartbeat before it would ${action}`);
      return;
    }
    let owner: { epoch: number; status: string } | undefined;
    try {
      owner = this.store.jobOwnership(this.jobId);
    } catch {
      // The heartbeat is fresh, so nobody can have declared the job lost: the lease decides.
      return;
    }
    if (!owner || owner.epoch !== this.epoch || isTerminal(owner.status as JobRecord['status'])) {
      throw this.fence(`${this.whyNotOwner()} (it was about to ${action})`);
    }
  }

  /**
   * Renews the heartbeat if the job still has this process's epoch; fences this process if it
   * does not, or if the heartbeat could not be written for longer than the self-fencing timeout.
   */
  heartbeat(): void {
    if (this.error) return;
    const at = this.monotonic();
    try {
      if (this.store.renewLease(this.jobId, this.epoch, this.opts.clock.now())) {
        this.confirmedAt = at;
        return;
      }
    } catch (err) {
      const age = at - this.confirmedAt;
      this.opts.log?.(`cannot write the job's heartbeat to flink.db: ${(err as Error).message}`);
      if (age > this.selfTimeoutMs) this.fence(`it could not write its heartbeat to flink.db for ${Math.round(age)} ms`);
      return;
    }
    this.fence(this.whyNotOwner());
  }

  /** Marks this process fenced (for good) with `reason`, tells the listeners, and returns the error. */
  fence(reason: string): JobFencedError {
    if (this.error) return this.error;
    const err = new JobFencedError(this.jobId, reason);
    this.error = err;
    this.stop();
    for (const l of this.listeners.splice(0)) l(err);
    return err;
  }

  /** Stops the heartbeat (the job has ended and written its last status). */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private whyNotOwner(): string {
    let job: JobRecord | undefined;
    try {
      job = this.store.getJob(this.jobId);
    } catch (err) {
      return `its ownership cannot be read from flink.db (${(err as Error).message})`;
    }
    if (!job) return 'its record is gone from flink.db';
    if (job.epoch !== this.epoch) return `another process declared it ${describeStatus(job)} (epoch ${job.epoch}; this process holds ${this.epoch})`;
    return `it is ${describeStatus(job)}`;
  }
}

function describeStatus(job: JobRecord): string {
  return job.failureCause ? `${job.status} (${job.failureCause})` : job.status;
}
