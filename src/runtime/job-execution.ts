import { performance } from 'node:perf_hooks';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { JobGraph } from '../graph/index.js';
import type { Clock } from '../util/clock.js';
import { JobCancelledError } from '../util/errors.js';
import type { CheckpointOptions, CheckpointResponder, CheckpointStorageWorker, RestoreAssignment, StateBackendSettings } from '../state/index.js';
import { CheckpointBarrier } from './channel-events.js';
import { DrainRequest, drainRefused } from './drain-request.js';
import { SnapshotDriver } from './checkpointing/snapshot-driver.js';
import { type ChannelSettings, DEFAULT_CHANNEL_SETTINGS, type Placement, deployTasks, subtaskCount } from './execution-graph.js';
import type { JobRun } from './job-run.js';
import type { TaskMetricsReading } from './metrics/io-metrics.js';
import { SourceStreamTask } from './tasks/source-stream-task.js';
import { WatermarkAlignmentAggregator, type WatermarkAlignmentReporter } from './watermarks/watermark-alignment.js';
import type { StreamTask } from './tasks/stream-task.js';
import type { SourceEvent } from './sources/source-coordinator.js';
import { type EnumeratorStates, SourceCoordinators } from './sources/source-coordinators.js';

/** How long the scheduler runs steps before it lets the event loop in (timers, commands, I/O). */
const SLICE_MS = 10;
/** Time given to snapshot encoding between processing slices. */
const SNAPSHOT_SLICE_MS = 2;
/** The longest idle sleep, so cancellation and polling stay responsive. */
const MAX_IDLE_MS = 20;

/** What one run of a job needs. */
export interface JobExecutionOptions {
  readonly jobId: string;
  readonly jobGraph: JobGraph;
  readonly clock: Clock;
  readonly attemptNumber?: number;
  /** Throws unless this process still owns the job (its fence); handed to sinks. */
  readonly checkOwnership?: (action: string) => void;
  readonly channels?: Partial<ChannelSettings>;
  /** Where tasks write checkpoint state and whom they answer; unset = no checkpoints. */
  readonly checkpointing?: { readonly storage: CheckpointStorageWorker; readonly responder: CheckpointResponder };
  /** The state operators start from (a restored checkpoint or savepoint). */
  readonly restore?: RestoreAssignment;
  /** Jobs a restore must leave alone: they may still write (see SinkWriterContext.jobsStillWriting). */
  readonly jobsStillWriting?: readonly string[];
  /** Jobs that can never commit what they staged: a restore drops it (see SinkWriterContext.jobsAbandoned). */
  readonly jobsAbandoned?: readonly string[];
  /** Where keyed state lives; default: the heap, full checkpoints. */
  readonly stateBackend?: StateBackendSettings;
  /** `pipeline.auto-watermark-interval` in ms (default 200; 0: no periodic watermarks). */
  readonly autoWatermarkIntervalMs?: number;
  /** The job's global parameters (`setGlobalJobParameters`), as the job's code set them. */
  readonly globalJobParameters?: Readonly<Record<string, string>>;
  /** `pipeline.object-reuse` (default false: every operator gets its own copy of each record). */
  readonly objectReuse?: boolean;
  /**
   * Taken when every task has finished, before they close (Flink's final checkpoint): sinks that
   * only pre-committed at end of input commit when it completes. Unset = no final checkpoint.
   */
  readonly finalCheckpoint?: () => Promise<unknown>;
  /** Which subtasks run here and over which channels; default: all of them, over local channels. */
  readonly placement?: Placement;
  /**
   * Without a final checkpoint: awaited when every task here has finished, before they close
   * (a worker waits for the other workers, whose checkpoints its finished tasks still answer).
   */
  readonly allFinished?: () => Promise<unknown>;
  /**
   * Awaited once every task here is open, before any runs (a worker waits until every worker's
   * tasks are open, so no task writes before all have opened, as on one thread).
   */
  readonly opened?: () => Promise<void>;
  /**
   * Where aligned sources report their watermarks: the main thread's aggregator, for a worker
   * (it answers through {@link JobExecution.announceAlignment}); default: one here.
   */
  readonly alignment?: WatermarkAlignmentReporter;
  /**
   * Where readers' split requests go: a worker sends them to the main thread's source
   * coordinators (and hands their answers to {@link JobExecution.deliverSourceEvent}); unset =
   * the coordinators run here, with this run.
   */
  readonly splitRequests?: (uid: string, subtask: number) => void;
}

/**
 * One run of a job in this process: deploys its tasks and drives them with a cooperative
 * scheduler. Steps run synchronously in slices; between slices the event loop gets a turn.
 * Downstream tasks are stepped before upstream ones so channels drain before they refill.
 */
export class JobExecution implements JobRun {
  private readonly tasks: StreamTask[];
  private cancelRequested = false;
  private wake: (() => void) | undefined;
  /** Ends the wait for tasks to open (e.g. a sink recovering its transactions), or for a held-back task, on a failure or cancel. */
  private stopOpening: ((reason: unknown) => void) | undefined;
  private readonly driver: SnapshotDriver | undefined;
  /** A failure raised outside the loop (e.g. in user snapshot code during a trigger). */
  private failure: unknown;
  private running = false;
  /** The run's loop has begun (every task opened); `running` is false again once it ended. */
  private started = false;
  /** Stop without draining: leave the loop as soon as possible, without end-of-input. */
  private suspendRequested = false;
  /** A drain in progress: its savepoint is the final checkpoint. */
  private drainRequest: DrainRequest<unknown> | undefined;
  /** Asynchronous work of tasks whose input a drain ended (see {@link endInputNow}), awaited at the next sweep. */
  private readonly endWork: Promise<unknown>[] = [];
  /** Checkpoints triggered and neither complete nor aborted; tasks that finish answer them. */
  private readonly inFlight = new Map<number, CheckpointBarrier>();
  /** The source coordinators, when they run here (not in a worker): created when the run starts. */
  private coordinators: SourceCoordinators | undefined;
  /** Split requests of readers here, handed to the coordinators at the next sweep (never inside a reader's poll). */
  private readonly splitRequests: Array<readonly [uid: string, subtask: number]> = [];
  /** The source tasks here by `uid#subtask`: where the coordinators' events go. */
  private readonly sourceTasks = new Map<string, SourceStreamTask>();

  constructor(private readonly options: JobExecutionOptions) {
    this.tasks = deployTasks(options.jobGraph, {
      ...DEFAULT_CHANNEL_SETTINGS,
      ...options.channels,
      jobId: options.jobId,
      clock: options.clock,
      attemptNumber: options.attemptNumber ?? 0,
      checkOwnership: options.checkOwnership,
      restore: options.restore,
      ...(options.jobsStillWriting ? { jobsStillWriting: options.jobsStillWriting } : {}),
      ...(options.jobsAbandoned ? { jobsAbandoned: options.jobsAbandoned } : {}),
      stateBackend: options.stateBackend,
      autoWatermarkIntervalMs: options.autoWatermarkIntervalMs,
      objectReuse: options.objectReuse === true,
      ...(options.globalJobParameters ? { globalJobParameters: new Map(Object.entries(options.globalJobParameters)) } : {}),
      checkpointing: options.finalCheckpoint !== undefined,
      alignment: options.alignment ?? this.localAlignment(),
      // Asynchronous work that completed (an async I/O answer, a source reader's data) ends an idle wait at once.
      wake: () => this.wake?.(),
      splitRequests:
        options.splitRequests ??
        ((uid, subtask) => {
          this.splitRequests.push([uid, subtask]);
          this.wake?.();
        }),
    }, options.placement);
    for (const task of this.tasks) if (task instanceof SourceStreamTask) this.sourceTasks.set(`${task.sourceUid}#${task.subtaskIndex}`, task);
    this.taskCount = subtaskCount(options.jobGraph);
    const cp = options.checkpointing;
    if (cp) {
      const driver = new SnapshotDriver(cp.storage, cp.responder);
      this.driver = driver;
      for (const task of this.tasks) task.checkpointing = { taskIndex: task.index, driver, responder: cp.responder, inFlight: this.inFlight };
    }
  }

  /** The number of subtasks of the job (also those other threads run); each acknowledges every checkpoint once. */
  readonly taskCount: number;

  /** Aligned sources report to an aggregator on this thread, which announces to them at once. */
  private localAlignment(): WatermarkAlignmentReporter {
    const aggregator = new WatermarkAlignmentAggregator();
    return {
      report: (group, member, watermark) => {
        const lowest = aggregator.report(group, member, watermark);
        if (lowest !== undefined) this.announceAlignment(group, lowest);
      },
    };
  }

  /** The lowest watermark of alignment group `group` changed: its sources here may read up to it plus their drift. */
  announceAlignment(group: string, lowest: number): void {
    for (const task of this.tasks) {
      if (task instanceof SourceStreamTask && task.alignment?.params.group === group) task.announceAlignment(lowest);
    }
    this.wake?.();
  }

  /** The source coordinator of `uid` sent the reader of `subtask` (here) splits or the end of them. */
  deliverSourceEvent(uid: string, subtask: number, event: SourceEvent): void {
    try {
      this.sourceTasks.get(`${uid}#${subtask}`)?.receiveSourceEvent(event);
    } catch (err) {
      // Splits sent to a reader that has finished: the job fails (see receiveSourceEvent).
      this.fail(err);
    }
    this.wake?.();
  }

  /** Ends an idle wait at once (a cross-thread channel received something). */
  wakeUp(): void {
    this.wake?.();
  }

  /** What every task's counters read now (the metrics reporter calls this once a second). */
  readMetrics(): TaskMetricsReading[] {
    const readings: TaskMetricsReading[] = [];
    for (const task of this.tasks) if (task.metrics) readings.push(task.metrics.read());
    return readings;
  }

  /** True once every task has finished (a bounded job at its end). */
  get allFinished(): boolean {
    return this.tasks.every((t) => t.finished);
  }

  /**
   * Starts checkpoint `checkpointId`: every running source takes its position and emits the
   * barrier; finished tasks snapshot at once. Other tasks snapshot as the barriers reach them,
   * or when they finish without one.
   */
  triggerCheckpoint(checkpointId: number, timestamp: number, options: CheckpointOptions, enumeratorStates?: EnumeratorStates): void {
    if (!this.running) throw new Error('the job is not running');
    const barrier = new CheckpointBarrier(checkpointId, timestamp, options);
    this.inFlight.set(checkpointId, barrier);
    this.guard(() => {
      // The enumerators' states first (given by the main thread to a worker, taken here
      // otherwise), then the readers': an assignment made after the one reaches its reader
      // after the other. Subtask 0 of each source stores its enumerator's.
      const states = enumeratorStates ?? this.coordinators?.snapshot(checkpointId);
      if (states !== undefined) {
        for (const [uid, state] of states) {
          const task = this.sourceTasks.get(`${uid}#0`);
          if (task) task.enumeratorState = { checkpointId, state };
        }
      }
      for (const task of this.tasks) {
        // A finished task may have met this barrier already (it can overtake the trigger from
        // another thread): performCheckpoint then leaves it alone.
        if (task.finished) task.performCheckpoint(barrier, 0);
        else if (task instanceof SourceStreamTask) task.triggerCheckpoint(barrier);
      }
    });
    this.wake?.();
  }

  /**
   * Checkpoint `checkpointId` is complete: every operator may commit. A commit that fails
   * asynchronously fails the job (which then restores from this checkpoint and commits again).
   */
  notifyCheckpointComplete(checkpointId: number): void {
    this.inFlight.delete(checkpointId);
    this.guard(() => this.coordinators?.notifyCheckpointComplete(checkpointId));
    // Each task is told, whatever another one threw (Flink's tasks are told one by one).
    for (const task of this.tasks) this.guard(() => void task.notifyCheckpointComplete(checkpointId)?.catch((err: unknown) => this.fail(err)));
    this.wake?.();
  }

  /** Sources stop emitting (the first step of stop-with-savepoint); in-flight records still flow. */
  pauseSources(paused = true): void {
    for (const task of this.tasks) if (task instanceof SourceStreamTask) task.paused = paused;
    this.wake?.();
  }

  /** Ends the run after a stop-with-savepoint without draining: nothing is processed after the savepoint; `run` resolves. */
  suspend(): void {
    this.suspendRequested = true;
    this.wake?.();
  }

  /**
   * `flink stop --drain`: the input ends now, and once every task has finished, `savepoint` is
   * taken as the run's final checkpoint (see DrainRequest); resolves with it.
   */
  drain<T>(savepoint: () => Promise<T>): Promise<T> {
    if (!this.running) return Promise.reject(drainRefused(this.started));
    const request = new DrainRequest(savepoint);
    this.drainRequest = request as DrainRequest<unknown>;
    this.endInputNow();
    return request.result;
  }

  /**
   * The drain's end of input: sources end now — the maximum watermark, then end-of-input, flow on;
   * every operator finishes as in a bounded job — but each source keeps its position, and every
   * task its end-of-input reaches keeps its timers left at the end, in state for the drain's
   * savepoint (see StreamTask.drained), as Flink's drained savepoint does. The end-of-input
   * carries the mark: a task on another worker thread may take it before that worker is told of
   * the drain.
   */
  endInputNow(): void {
    const now = this.options.clock.now();
    for (const task of this.tasks) {
      if (!(task instanceof SourceStreamTask)) continue;
      task.endInputNow(now);
      // Ended here, not in a step: the asynchronous work its end started (a sink chained to the
      // source flushing) is awaited by the loop as a step's is, before the drain's savepoint.
      const work = task.pendingWork();
      if (work) this.endWork.push(work);
    }
    this.wake?.();
  }

  /** Fails the job from outside the loop (e.g. too many failed checkpoints). */
  fail(err: unknown): void {
    this.failure ??= err;
    this.stopOpening?.(this.failure);
    this.wake?.();
  }

  /**
   * Checkpoint `checkpointId` was aborted: drop its unfinished snapshot work, and tell the
   * enumerators and the tasks (a source reader may drop what it kept for it).
   */
  abortCheckpoint(checkpointId: number): void {
    this.inFlight.delete(checkpointId);
    this.guard(() => this.coordinators?.notifyCheckpointAborted(checkpointId));
    for (const task of this.tasks) this.guard(() => task.notifyCheckpointAborted(checkpointId));
    this.driver?.abort(checkpointId);
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.failure ??= err;
      this.wake?.();
    }
  }

  /** Asks the run to stop; `run` then rejects with JobCancelledError. */
  cancel(): void {
    this.cancelRequested = true;
    this.stopOpening?.(new JobCancelledError());
    this.wake?.();
  }

  /** Runs the job to its end. Rejects with the first failure, or JobCancelledError. */
  async run(): Promise<void> {
    let failure: unknown;
    try {
      if (this.options.splitRequests === undefined) {
        this.coordinators = new SourceCoordinators(
          this.options.jobGraph,
          this.options.restore,
          this.options.clock,
          (uid, subtask, event) => this.deliverSourceEvent(uid, subtask, event),
          (err) => this.fail(err),
        );
      }
      await this.open();
      const opened = this.options.opened;
      if (opened) await this.interruptible(opened);
      this.coordinators?.start();
      this.running = true;
      this.started = true;
      await this.loop();
    } catch (err) {
      failure = err;
    }
    this.running = false;
    try {
      this.coordinators?.close();
    } catch (err) {
      failure ??= err;
    }
    for (const task of this.tasks) {
      const err = await task.close();
      failure ??= err;
    }
    this.drainRequest?.abandon(failure);
    if (failure !== undefined) throw failure;
  }

  /**
   * Opens the tasks, the end of each chain first. A failure or cancel meanwhile (e.g. the job
   * was fenced) ends the wait at once, even for an open still waiting on I/O: the tasks are
   * closed next, which ends that I/O.
   */
  private async open(): Promise<void> {
    for (let i = this.tasks.length - 1; i >= 0; i--) await this.interruptible(() => this.tasks[i]!.open());
  }

  /** Starts `start` unless the run failed or was cancelled, and waits for it, or rejects as soon as the run fails or is cancelled. */
  private async interruptible(start: () => Promise<void>): Promise<void> {
    const stopped = new Promise<never>((_, reject) => {
      this.stopOpening = reject;
    });
    stopped.catch(() => undefined);
    try {
      if (this.failure !== undefined) throw this.failure;
      if (this.cancelRequested) throw new JobCancelledError();
      await Promise.race([start(), stopped]);
    } finally {
      this.stopOpening = undefined;
    }
  }

  private async loop(): Promise<void> {
    const tasks = this.tasks;
    const clock = this.options.clock;
    let sliceStart = performance.now();
    let final: { settled: boolean; error: unknown } | undefined;
    for (;;) {
      if (this.failure !== undefined) throw this.failure;
      if (this.cancelRequested) throw new JobCancelledError();
      if (this.suspendRequested) break;
      if (this.endWork.length > 0) {
        const work = this.endWork.splice(0);
        await this.interruptible(async () => void (await Promise.all(work)));
      }
      // Readers' split requests reach the enumerators between steps (Flink's coordinator thread).
      if (this.splitRequests.length > 0) for (const [uid, subtask] of this.splitRequests.splice(0)) this.coordinators?.handleSplitRequest(uid, subtask);
      const now = clock.now();
      let worked = false;
      let unfinished = 0;
      for (let t = tasks.length - 1; t >= 0; t--) {
        const task = tasks[t]!;
        if (task.finished) continue;
        unfinished++;
        if (task.nextTimerTime() <= now) {
          task.fireTimers(now);
          worked = true;
          // Awaited as a step's is: what the timers' output started (a sink's writes), or the end
          // of input an asynchronous operator's last result let through (a chained sink's flush,
          // which a final checkpoint or a drain's savepoint must follow, as Flink's follows finish()).
          const work = task.pendingWork();
          if (work) await this.interruptible(async () => void (await work));
        }
        if (task.isRunnable(now)) {
          task.step(now);
          worked = true;
          let pending = task.pendingWork();
          // A task fed by k channels takes up to k steps per sweep, about what its k producers
          // added, so it keeps pace with them (see StreamTask.stepsPerSweep). Not cut at the
          // slice's end: k steps only keep pace, so a consumer cut short stays behind for good
          // and its channels fill again (tried: the keyed count at p=2 on one thread spent 3×
          // the scavenge time and ran 0.8× as fast).
          // A timer that fell due meanwhile fires first, at the next sweep, as Flink's mailbox
          // runs a due timer between two inputs (end of input would drop it).
          for (let k = 1; k < task.stepsPerSweep && pending === undefined && task.isRunnable(now) && task.nextTimerTime() > clock.now(); k++) {
            task.step(now);
            pending = task.pendingWork();
          }
          // A task held back (a sink waiting for its reader or its batches) may wait long, even
          // for ever (a collect reader that stopped reading): a cancel or a failure ends the wait,
          // as Flink interrupts a task blocked in its sink; the tasks are closed next, which
          // releases what they waited on.
          if (pending) await this.interruptible(async () => void (await pending));
        }
      }
      if (unfinished === 0) {
        const drain = this.drainRequest;
        const take = drain ? () => drain.take() : (this.options.finalCheckpoint ?? this.options.allFinished);
        if (!take) break;
        if (!final) {
          const f = { settled: false, error: undefined as unknown };
          final = f;
          take().then(
            () => (f.settled = true),
            (err: unknown) => {
              f.error = err ?? new Error('the final checkpoint failed');
              f.settled = true;
            },
          );
        } else if (final.settled) {
          if (final.error !== undefined) throw final.error;
          break;
        }
      }
      if (worked && performance.now() - sliceStart < SLICE_MS) continue;
      for (const task of tasks) task.flushBuffered();
      const driver = this.driver;
      if (driver?.hasWork) driver.work(performance.now() + SNAPSHOT_SLICE_MS);
      if (worked || driver?.hasWork) {
        await yieldToEventLoop();
      } else {
        let wakeAt = Infinity;
        for (const task of tasks) if (!task.finished) wakeAt = Math.min(wakeAt, task.nextWakeTime());
        await this.idle(Math.max(1, Math.min(wakeAt - clock.now(), MAX_IDLE_MS)));
      }
      sliceStart = performance.now();
    }
    for (const task of tasks) task.flushBuffered();
  }

  private idle(ms: number): Promise<void> {
    // A plain timer, not an aborted sleep: a worker is woken by every message its channels
    // receive, and an abort builds a DOMException (with its stack) each time.
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }

}
