import { type MessagePort, Worker } from 'node:worker_threads';
import { workerExecArgv } from '../../util/engine-frames.js';
import { FENCED, type FromWorker, type ToWorker, type WorkerBootstrap } from './protocol.js';

/** How long a worker may take to end its thread when the job has ended. */
const SHUTDOWN_GRACE_MS = 5_000;

/** What the pool's workers share: everything of the bootstrap but each one's slot and fence. */
export type WorkerJobSpec = Omit<WorkerBootstrap, 'slot' | 'slots' | 'fence' | 'fenced'>;

/** Whom a worker's messages and end go to: the run (attempt) it takes part in. */
export interface SlotListener {
  message(m: FromWorker): void;
  /** The worker thread ended (it died, was terminated, or could not load the job). */
  exited(code: number): void;
  error(err: Error): void;
}

/** One task slot: a worker thread and the shared words of its fence. */
export class TaskSlot {
  readonly fence: Int32Array;
  exited = false;
  listener: SlotListener | undefined;
  private readonly worker: Worker;

  constructor(entry: URL, bootstrap: WorkerBootstrap) {
    this.fence = new Int32Array(bootstrap.fence);
    this.worker = new Worker(entry, { workerData: bootstrap, execArgv: workerExecArgv() });
    this.worker.on('message', (m: FromWorker) => this.listener?.message(m));
    this.worker.on('error', (err) => this.listener?.error(err));
    this.worker.on('exit', (code) => {
      this.exited = true;
      this.listener?.exited(code);
    });
  }

  post(m: ToWorker, transfer?: readonly MessagePort[]): void {
    if (!this.exited) this.worker.postMessage(m, transfer ? [...transfer] : undefined);
  }

  terminate(): void {
    if (!this.exited) void this.worker.terminate();
  }

  /** Asks the worker to end its thread; resolves when it has (terminated after `graceMs`). */
  shutdown(graceMs: number): Promise<void> {
    if (this.exited) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.terminate(), graceMs);
      this.worker.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      this.post({ t: 'shutdown' });
    });
  }
}

/**
 * The worker threads of one job (Flink's task slots in its TaskManager). They outlive the runs
 * of the job: a failover deploys the next run into the same workers, so a job file's module
 * state survives a restart as it does on the main thread, and the job file is not loaded again.
 * A worker that died is replaced by a new one for the next run.
 */
export class TaskSlotPool {
  private readonly slots: (TaskSlot | undefined)[];
  private fencedFlag = false;

  constructor(
    private readonly entry: URL,
    readonly size: number,
    private readonly spec: WorkerJobSpec,
    /** The job is tracked: sinks confirm ownership before they commit. */
    private readonly fenced: boolean,
  ) {
    this.slots = Array.from({ length: size }, () => undefined);
  }

  /** The worker of slot `s`, started (again) if it is not alive. */
  slot(s: number): TaskSlot {
    const current = this.slots[s];
    if (current && !current.exited) return current;
    const fence = new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT);
    const slot = new TaskSlot(this.entry, { ...this.spec, slot: s, slots: this.size, fence, fenced: this.fenced });
    if (this.fencedFlag) Atomics.store(slot.fence, FENCED, 1);
    this.slots[s] = slot;
    return slot;
  }

  /** The job's process is fenced: every worker's sinks refuse to commit from now on. */
  markFenced(): void {
    this.fencedFlag = true;
    for (const s of this.slots) if (s) Atomics.store(s.fence, FENCED, 1);
  }

  /** Ends every worker (the job has ended). */
  async shutdown(): Promise<void> {
    await Promise.all(this.slots.map((s) => s?.shutdown(SHUTDOWN_GRACE_MS)));
  }
}
