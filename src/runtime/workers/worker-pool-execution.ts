import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import type { JobGraph } from '../../graph/index.js';
import type { CheckpointOptions, CheckpointResponder, RestoreAssignment } from '../../state/index.js';
import { JobCancelledError } from '../../util/errors.js';
import { subtaskCount } from '../execution-graph.js';
import type { JobRun } from '../job-run.js';
import type { TaskMetricsReading } from '../metrics/io-metrics.js';
import {
  FENCED,
  FENCE_ANSWER,
  FENCE_SEQ,
  type FromWorker,
  type ToWorker,
  type WorkerBootstrap,
  channelKey,
  deserializeError,
  serializeError,
} from './protocol.js';
import { slotOf } from './worker-host.js';

/** How long workers get to close their tasks after a failure or cancel before they are terminated. */
const CLOSE_GRACE_MS = 10_000;

/** What every worker of a run gets alike; the pool adds each one's slot, channels and state. */
export type WorkerJobSpec = Omit<WorkerBootstrap, 'slot' | 'slots' | 'ports' | 'restore' | 'restored' | 'fence' | 'fenced'>;

/** What a run on worker threads needs besides the graph. */
export interface WorkerPoolOptions {
  /** The worker's entry module (it loads the job file and calls hostWorker). */
  readonly entry: URL;
  readonly slots: number;
  readonly jobGraph: JobGraph;
  readonly spec: WorkerJobSpec;
  readonly restore?: RestoreAssignment;
  /** Whom acknowledgements go to (the coordinator); unset = no checkpoints. */
  readonly responder?: CheckpointResponder;
  /** The directory the coordinator created for checkpoint n. */
  readonly locationOf?: (checkpointId: number) => string | undefined;
  /** Throws unless this process still owns the job; workers ask before their sinks commit. */
  readonly checkOwnership?: (action: string) => void;
  readonly finalCheckpoint?: () => Promise<unknown>;
}

interface Slot {
  readonly worker: Worker;
  readonly fence: Int32Array;
  running: boolean;
  finished: boolean;
  exited: boolean;
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
  private readonly slots: Slot[] = [];
  private failure: unknown;
  private cancelRequested = false;
  private finishedCount = 0;
  private started = false;
  private ended: (() => void) | undefined;
  private killTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: WorkerPoolOptions) {
    this.taskCount = subtaskCount(options.jobGraph);
  }

  private get running(): boolean {
    return this.slots.length > 0 && this.slots.every((s) => s.running);
  }

  async run(): Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    const { options } = this;
    const n = options.slots;
    const ports = this.channelPorts(n);
    const restore = this.restoreEntries(n);
    const allExited = new Promise<void>((resolve) => (this.ended = resolve));
    this.started = true;
    for (let s = 0; s < n; s++) {
      const fence = new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT);
      const bootstrap: WorkerBootstrap = {
        ...options.spec,
        slot: s,
        slots: n,
        ports: ports[s]!,
        restore: restore[s]!,
        restored: options.restore !== undefined,
        fence,
        fenced: options.checkOwnership !== undefined,
      };
      const worker = new Worker(options.entry, { workerData: bootstrap, transferList: ports[s]!.map(([, , p]) => p) });
      const slot: Slot = { worker, fence: new Int32Array(fence), running: false, finished: false, exited: false, metrics: [] };
      this.slots.push(slot);
      worker.on('message', (m: FromWorker) => this.onMessage(slot, s, m));
      worker.on('error', (err) => this.onWorkerFailure(new Error(`Worker thread ${s} failed: ${err.message}`, { cause: err })));
      worker.on('exit', (code) => {
        slot.exited = true;
        if (!slot.finished || code !== 0) {
          if (this.failure === undefined && !this.cancelRequested && code !== 0) this.onWorkerFailure(new Error(`Worker thread ${s} exited with code ${code} while the job was running.`));
        }
        if (this.slots.every((x) => x.exited)) this.ended?.();
      });
    }
    if (this.cancelRequested) this.broadcast({ t: 'cancel' });
    await allExited;
    clearTimeout(this.killTimer);
    if (this.failure !== undefined) throw this.failure;
    if (this.cancelRequested) throw new JobCancelledError();
  }

  /** The MessagePort ends each worker holds: one channel per producer/consumer pair in different slots. */
  private channelPorts(n: number): [key: string, end: 'out' | 'in', port: MessagePort][][] {
    const ports: [string, 'out' | 'in', MessagePort][][] = Array.from({ length: n }, () => []);
    const edges = this.options.jobGraph.vertices.flatMap((v) => v.outputs);
    edges.forEach((e, ei) => {
      for (let a = 0; a < e.source.parallelism; a++) {
        const targets = e.partitioner.type === 'forward' ? [a] : Array.from({ length: e.target.parallelism }, (_, b) => b);
        for (const b of targets) {
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
  private restoreEntries(n: number): WorkerBootstrap['restore'][] {
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

  private onMessage(slot: Slot, s: number, m: FromWorker): void {
    switch (m.t) {
      case 'running':
        slot.running = true;
        return;
      case 'ack':
        this.options.responder?.acknowledge(m.ack);
        return;
      case 'decline':
        this.options.responder?.decline(m.id, m.task, m.reason);
        return;
      case 'metrics':
        slot.metrics = m.readings;
        return;
      case 'finished':
        this.onFinished();
        return;
      case 'checkOwnership':
        this.answerOwnership(slot, m.action);
        return;
      case 'done':
        slot.finished = true;
        return;
      case 'failed':
        slot.finished = true;
        this.onWorkerFailure(deserializeError(m.error), s);
        return;
    }
  }

  /** Every worker's tasks have finished: the final checkpoint (if any), then every worker closes. */
  private onFinished(): void {
    if (++this.finishedCount < this.options.slots) return;
    const take = this.options.finalCheckpoint;
    if (!take) {
      this.broadcast({ t: 'release' });
      return;
    }
    take().then(
      () => this.broadcast({ t: 'release' }),
      (err: unknown) => this.broadcast({ t: 'release', error: serializeError(err ?? new Error('the final checkpoint failed')) }),
    );
  }

  private answerOwnership(slot: Slot, action: string): void {
    let answer = 0;
    try {
      this.options.checkOwnership?.(action);
    } catch {
      answer = 1;
      for (const x of this.slots) Atomics.store(x.fence, FENCED, 1);
    }
    Atomics.store(slot.fence, FENCE_ANSWER, answer);
    Atomics.add(slot.fence, FENCE_SEQ, 1);
    Atomics.notify(slot.fence, FENCE_SEQ);
  }

  /** A worker failed (or died): the run fails with the first failure; the others stop. */
  private onWorkerFailure(err: unknown, from?: number): void {
    if (this.failure === undefined && !(this.cancelRequested && err instanceof JobCancelledError)) this.failure = err;
    this.slots.forEach((x, i) => {
      if (i !== from && !x.exited) this.post(x, { t: 'cancel' });
    });
    this.terminateLater();
  }

  /** Workers that do not close within the grace period are terminated (a stuck user function). */
  private terminateLater(): void {
    if (this.killTimer) return;
    this.killTimer = setTimeout(() => {
      for (const x of this.slots) if (!x.exited) void x.worker.terminate();
    }, CLOSE_GRACE_MS);
    this.killTimer.unref();
  }

  private post(slot: Slot, m: ToWorker): void {
    if (!slot.exited) slot.worker.postMessage(m);
  }

  private broadcast(m: ToWorker): void {
    for (const s of this.slots) this.post(s, m);
  }

  readMetrics(): TaskMetricsReading[] {
    this.broadcast({ t: 'metrics' });
    return this.slots.flatMap((s) => s.metrics);
  }

  triggerCheckpoint(checkpointId: number, timestamp: number, options: CheckpointOptions): void {
    if (!this.running) throw new Error('the job is not running');
    this.broadcast({ t: 'trigger', id: checkpointId, timestamp, options, location: this.options.locationOf?.(checkpointId) });
  }

  notifyCheckpointComplete(checkpointId: number): void {
    this.broadcast({ t: 'complete', id: checkpointId });
  }

  abortCheckpoint(checkpointId: number): void {
    this.broadcast({ t: 'abort', id: checkpointId });
  }

  pauseSources(paused = true): void {
    this.broadcast({ t: 'pause', paused });
  }

  finishAfterSavepoint(drain: boolean): void {
    this.broadcast({ t: 'finishAfterSavepoint', drain });
  }

  fail(err: unknown): void {
    if ((err as { code?: unknown }).code === 'job.fenced') for (const s of this.slots) Atomics.store(s.fence, FENCED, 1);
    this.failure ??= err;
    this.broadcast({ t: 'cancel' });
    if (this.started) this.terminateLater();
  }

  cancel(): void {
    this.cancelRequested = true;
    this.broadcast({ t: 'cancel' });
    if (this.started) this.terminateLater();
  }
}
