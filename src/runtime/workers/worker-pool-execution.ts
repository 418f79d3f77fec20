import { MessageChannel, type MessagePort } from 'node:worker_threads';
import type { JobGraph } from '../../graph/index.js';
import type { CheckpointOptions, CheckpointResponder, RestoreAssignment } from '../../state/index.js';
import { JobCancelledError } from '../../util/errors.js';
import { DrainRequest, drainRefused } from '../drain-request.js';
import { channelTargets, jobEdges, subtaskCount } from '../execution-graph.js';
import type { JobRun } from '../job-run.js';
import type { TaskMetricsReading } from '../metrics/io-metrics.js';
import { type Deployment, FENCE_ANSWER, FENCE_SEQ, type FromWorker, type ToWorker, channelKey, deserializeError, serializeError } from './protocol.js';
import type { TaskSlot, TaskSlotPool } from './task-slot-pool.js';
import { slotOf } from './worker-host.js';
import { WatermarkAlignmentAggregator } from '../watermarks/watermark-alignment.js';
import { SourceCoordinators } from '../sources/source-coordinators.js';
import { systemClock } from '../../util/clock.js';

/** How long workers get to close their tasks after a failure or cancel before they are terminated. */
const CLOSE_GRACE_MS = 10_000;

/** What one run on the pool's workers needs besides the graph. */
export interface WorkerPoolOptions {
  readonly pool: TaskSlotPool;
  readonly jobGraph: JobGraph;
  readonly attemptNumber: number;
  readonly restore?: RestoreAssignment;
  /** Whom acknowledgements go to (the coordinator); unset = no checkpoints. */
  readonly responder?: CheckpointResponder;
  /** The directory the coordinator created for checkpoint n. */
  readonly locationOf?: (checkpointId: number) => string | undefined;
  /** Throws unless this process still owns the job; workers ask before their sinks commit. */
  readonly checkOwnership?: (action: string) => void;
  readonly finalCheckpoint?: () => Promise<unknown>;
}

/** A slot's part in this run. */
interface Member {
  readonly slot: TaskSlot;
  running: boolean;
  /** The run ended in this worker (it answered done or failed, or the thread ended). */
  settled: boolean;
  metrics: TaskMetricsReading[];
}

/**
 * A run of a job on worker threads (Flink's task slots): the main thread keeps the JobMaster and
 * the coordinator; worker `s` runs subtask i of every vertex with i mod slots = s. Forward
 * edges stay inside a worker; shuffles cross threads over MessagePort channels. Checkpoint
 * triggers, completions and aborts go to every worker as messages; acknowledgements come back
 * with the handles of the state files the worker wrote itself. A worker that fails or dies
 * fails the run, which the JobMaster then fails over like any task failure.
 */
export class WorkerPoolExecution implements JobRun {
  readonly taskCount: number;
  private readonly members: Member[] = [];
  private failure: unknown;
  private cancelRequested = false;
  private finishedCount = 0;
  private started = false;
  private settledAll: (() => void) | undefined;
  private killTimer: NodeJS.Timeout | undefined;
  /** A drain in progress: its savepoint is the final checkpoint. */
  private drainRequest: DrainRequest<unknown> | undefined;
  /** Checkpoints triggered while workers were still starting: sent once all of them run. */
  private queuedTriggers: Extract<ToWorker, { t: 'trigger' }>[] = [];
  /** The job's watermark alignment groups (Flink's SourceCoordinator side): workers' sources report here. */
  private readonly alignment = new WatermarkAlignmentAggregator();
  /** The sources' coordinators (enumerators), on this thread; readers on the workers ask them by message. */
  private coordinators: SourceCoordinators | undefined;

  constructor(private readonly options: WorkerPoolOptions) {
    this.taskCount = subtaskCount(options.jobGraph);
  }

  private get running(): boolean {
    return this.members.length > 0 && this.members.every((s) => s.running);
  }

  async run(): Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    const { options } = this;
    const n = options.pool.size;
    const ports = this.channelPorts(n);
    const restore = this.restoreEntries(n);
    const settled = new Promise<void>((resolve) => (this.settledAll = resolve));
    // Assignments go to the worker that runs the reader, over the port triggers take: in order with them.
    this.coordinators = new SourceCoordinators(
      options.jobGraph,
      options.restore,
      systemClock,
      (uid, subtask, event) => this.members[slotOf(subtask, n)]?.slot.post({ t: 'sourceEvent', uid, subtask, event }),
      (err) => this.fail(err),
    );
    this.started = true;
    for (let s = 0; s < n; s++) {
      const slot = options.pool.slot(s);
      const member: Member = { slot, running: false, settled: false, metrics: [] };
      this.members.push(member);
      slot.listener = {
        message: (m) => this.onMessage(member, m),
        error: (err) => this.onWorkerFailure(new Error(`Worker thread ${s} failed: ${err.message}`, { cause: err }), member),
        exited: (code) => {
          if (!member.settled) this.onWorkerFailure(new Error(`Worker thread ${s} ended (exit code ${code}) while the job was running.`), member);
        },
      };
      const deployment: Deployment = { attemptNumber: options.attemptNumber, ports: ports[s]!, restore: restore[s]!, restored: options.restore !== undefined };
      slot.post({ t: 'deploy', deployment }, ports[s]!.map(([, , p]) => p));
      if (slot.exited) this.settle(member);
    }
    if (this.cancelRequested || this.failure !== undefined) this.stopWorkers();
    await settled;
    try {
      this.coordinators.close();
    } catch (err) {
      this.failure ??= err;
    }
    clearTimeout(this.killTimer);
    for (const m of this.members) if (m.slot.listener) m.slot.listener = undefined;
    this.drainRequest?.abandon(this.failure ?? (this.cancelRequested ? new JobCancelledError() : undefined));
    if (this.failure !== undefined) throw this.failure;
    if (this.cancelRequested) throw new JobCancelledError();
  }

  private settle(member: Member): void {
    if (member.settled) return;
    member.settled = true;
    if (this.members.length === this.options.pool.size && this.members.every((m) => m.settled)) this.settledAll?.();
  }

  /** The MessagePort ends each worker holds: one channel per producer/consumer pair in different slots. */
  private channelPorts(n: number): [key: string, end: 'out' | 'in', port: MessagePort][][] {
    const ports: [string, 'out' | 'in', MessagePort][][] = Array.from({ length: n }, () => []);
    jobEdges(this.options.jobGraph).forEach((e, ei) => {
      for (let a = 0; a < e.source.parallelism; a++) {
        for (const b of channelTargets(e, a)) {
          const from = slotOf(a, n);
          const to = slotOf(b, n);
          if (from === to) continue;
          const mc = new MessageChannel();
          const key = channelKey(ei, a, b);
          ports[from]!.push([key, 'out', mc.port1]);
          ports[to]!.push([key, 'in', mc.port2]);
        }
      }
    });
    return ports;
  }

  /** The restored state of each worker's subtasks, as data (the assignment itself is a function). */
  private restoreEntries(n: number): Deployment['restore'][] {
    const entries: [string, number, NonNullable<ReturnType<RestoreAssignment>>][][] = Array.from({ length: n }, () => []);
    const restore = this.options.restore;
    if (!restore) return entries;
    for (const v of this.options.jobGraph.vertices) {
      for (let i = 0; i < v.parallelism; i++) {
        for (const node of v.nodes) {
          const state = restore(node.uid, i);
          if (state) entries[slotOf(i, n)]!.push([node.uid, i, state]);
        }
      }
    }
    return entries;
  }

  private onMessage(member: Member, m: FromWorker): void {
    switch (m.t) {
      case 'opened':
        member.running = true;
        if (this.running) {
          if (!this.guard(() => this.coordinators?.start())) return;
          this.broadcast({ t: 'start' });
          for (const t of this.queuedTriggers.splice(0)) if (!this.guard(() => this.broadcastTrigger(t))) return;
        }
        return;
      case 'splitRequest':
        this.guard(() => this.coordinators?.handleSplitRequest(m.uid, m.subtask));
        return;
      case 'ack':
        this.options.responder?.acknowledge(m.ack);
        return;
      case 'decline':
        this.options.responder?.decline(m.id, m.task, m.reason, m.cause);
        return;
      case 'metrics':
        member.metrics = m.readings;
        return;
      case 'finished':
        this.onFinished();
        return;
      case 'watermark': {
        const lowest = this.alignment.report(m.group, m.member, m.watermark);
        if (lowest !== undefined) this.broadcast({ t: 'align', group: m.group, lowest });
        return;
      }
      case 'checkOwnership':
        this.answerOwnership(member.slot, m.action);
        return;
      case 'done':
        this.settle(member);
        return;
      case 'failed':
        this.settle(member);
        this.onWorkerFailure(deserializeError(m.error), member);
        return;
      case 'unusable':
        this.onWorkerFailure(deserializeError(m.error), member);
        return;
    }
  }

  /** Every worker's tasks have finished: the final checkpoint (if any), then every worker closes. */
  private onFinished(): void {
    if (++this.finishedCount < this.options.pool.size) return;
    const drain = this.drainRequest;
    const take = drain ? () => drain.take() : this.options.finalCheckpoint;
    if (!take) {
      this.broadcast({ t: 'release' });
      return;
    }
    take().then(
      () => this.broadcast({ t: 'release' }),
      (err: unknown) => this.broadcast({ t: 'release', error: serializeError(err ?? new Error('the final checkpoint failed')) }),
    );
  }

  private answerOwnership(slot: TaskSlot, action: string): void {
    let answer = 0;
    try {
      this.options.checkOwnership?.(action);
    } catch {
      answer = 1;
      this.options.pool.markFenced();
    }
    Atomics.store(slot.fence, FENCE_ANSWER, answer);
    Atomics.add(slot.fence, FENCE_SEQ, 1);
    Atomics.notify(slot.fence, FENCE_SEQ);
  }

  /** A worker failed (or died): the run fails with the first failure; the others stop. */
  private onWorkerFailure(err: unknown, member: Member): void {
    if (this.failure === undefined && !this.cancelRequested) this.failure = err;
    if (member.slot.exited) this.settle(member);
    this.stopWorkers();
  }

  /**
   * Ends the run in every worker: one still starting it is terminated at once (safe: nothing it
   * did may count before a checkpoint completes, as after a kill -9); a running one is
   * cancelled, so its tasks close (sinks abort their transactions), and terminated if it does not
   * end in time. A terminated worker is replaced for the next run.
   */
  private stopWorkers(): void {
    this.queuedTriggers = [];
    for (const m of this.members) {
      if (m.settled) continue;
      if (m.running) m.slot.post({ t: 'cancel' });
      else m.slot.terminate();
    }
    if (this.killTimer) return;
    this.killTimer = setTimeout(() => {
      for (const m of this.members) if (!m.settled) m.slot.terminate();
    }, CLOSE_GRACE_MS);
    this.killTimer.unref();
  }

  /** Runs coordinator code; a throw fails the run. False if it threw. */
  private guard(fn: () => void): boolean {
    try {
      fn();
      return true;
    } catch (err) {
      this.fail(err);
      return false;
    }
  }

  /**
   * Sends a checkpoint's trigger with the enumerators' states taken now: every assignment they
   * make later is posted after it, on the same ports, so each worker's sources snapshot before
   * they get it (a message port delivers in order).
   */
  private broadcastTrigger(trigger: Extract<ToWorker, { t: 'trigger' }>): void {
    const states = this.coordinators?.snapshot(trigger.id);
    if (states === undefined || states.size === 0) return this.broadcast(trigger);
    // Only the worker running each source's subtask 0 stores the enumerator's state: the others get the trigger alone.
    const holder = this.members[slotOf(0, this.members.length)];
    const withStates: ToWorker = { ...trigger, enumerators: [...states] };
    for (const m of this.members) if (!m.settled) m.slot.post(m === holder ? withStates : trigger);
  }

  private broadcast(m: ToWorker): void {
    for (const s of this.members) if (!s.settled) s.slot.post(m);
  }

  readMetrics(): TaskMetricsReading[] {
    this.broadcast({ t: 'metrics' });
    return this.members.flatMap((s) => s.metrics);
  }

  triggerCheckpoint(checkpointId: number, timestamp: number, options: CheckpointOptions): void {
    if (this.failure !== undefined || this.cancelRequested) throw new Error('the job is not running');
    const trigger = { t: 'trigger', id: checkpointId, timestamp, options, location: this.options.locationOf?.(checkpointId) } as const;
    if (this.running) {
      try {
        this.broadcastTrigger(trigger);
      } catch (err) {
        this.fail(err);
        throw err;
      }
    } else this.queuedTriggers.push(trigger);
  }

  notifyCheckpointComplete(checkpointId: number): void {
    this.broadcast({ t: 'complete', id: checkpointId });
    this.guard(() => this.coordinators?.notifyCheckpointComplete(checkpointId));
  }

  isTriggerHeld(checkpointId: number): boolean {
    return this.queuedTriggers.some((t) => t.id === checkpointId);
  }

  abortCheckpoint(checkpointId: number): void {
    this.queuedTriggers = this.queuedTriggers.filter((t) => t.id !== checkpointId);
    this.broadcast({ t: 'abort', id: checkpointId });
    this.guard(() => this.coordinators?.notifyCheckpointAborted(checkpointId));
  }

  pauseSources(paused = true): void {
    this.broadcast({ t: 'pause', paused });
  }

  suspend(): void {
    this.broadcast({ t: 'finishAfterSavepoint', drain: false });
  }

  drain<T>(savepoint: () => Promise<T>): Promise<T> {
    if (!this.running || this.failure !== undefined || this.cancelRequested) {
      return Promise.reject(drainRefused(this.failure !== undefined || this.cancelRequested || this.members.some((m) => m.settled)));
    }
    const request = new DrainRequest(savepoint);
    this.drainRequest = request as DrainRequest<unknown>;
    this.broadcast({ t: 'finishAfterSavepoint', drain: true });
    return request.result;
  }

  fail(err: unknown): void {
    if ((err as { code?: unknown }).code === 'job.fenced') this.options.pool.markFenced();
    this.failure ??= err;
    if (this.started) this.stopWorkers();
  }

  cancel(): void {
    this.cancelRequested = true;
    if (this.started) this.stopWorkers();
  }
}
