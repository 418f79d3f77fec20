import { performance } from 'node:perf_hooks';
import { setImmediate as yieldToEventLoop, setTimeout as sleep } from 'node:timers/promises';
import type { JobGraph } from '../graph/index.js';
import type { Clock } from '../util/clock.js';
import { JobCancelledError } from '../util/errors.js';
import { type ChannelSettings, DEFAULT_CHANNEL_SETTINGS, deployTasks } from './execution-graph.js';
import type { StreamTask } from './tasks/stream-task.js';

/** How long the scheduler runs steps before it lets the event loop in (timers, commands, I/O). */
const SLICE_MS = 10;
/** The longest idle sleep, so cancellation and polling stay responsive. */
const MAX_IDLE_MS = 20;

/** What one run of a job needs. */
export interface JobExecutionOptions {
  readonly jobId: string;
  readonly jobGraph: JobGraph;
  readonly clock: Clock;
  readonly attemptNumber?: number;
  readonly channels?: Partial<ChannelSettings>;
}

/**
 * One run of a job in this process: deploys its tasks and drives them with a cooperative
 * scheduler. Steps run synchronously in slices; between slices the event loop gets a turn.
 * Downstream tasks are stepped before upstream ones so channels drain before they refill.
 */
export class JobExecution {
  private readonly tasks: StreamTask[];
  private cancelRequested = false;
  private wake: (() => void) | undefined;

  constructor(private readonly options: JobExecutionOptions) {
    this.tasks = deployTasks(options.jobGraph, {
      ...DEFAULT_CHANNEL_SETTINGS,
      ...options.channels,
      jobId: options.jobId,
      clock: options.clock,
      attemptNumber: options.attemptNumber ?? 0,
    });
  }

  /** Asks the run to stop; `run` then rejects with JobCancelledError. */
  cancel(): void {
    this.cancelRequested = true;
    this.wake?.();
  }

  /** Runs the job to its end. Rejects with the first failure, or JobCancelledError. */
  async run(): Promise<void> {
    let failure: unknown;
    try {
      for (let i = this.tasks.length - 1; i >= 0; i--) await this.tasks[i]!.open();
      await this.loop();
    } catch (err) {
      failure = err;
    }
    for (const task of this.tasks) {
      const err = await task.close();
      failure ??= err;
    }
    if (failure !== undefined) throw failure;
  }

  private async loop(): Promise<void> {
    const tasks = this.tasks;
    const clock = this.options.clock;
    let sliceStart = performance.now();
    for (;;) {
      if (this.cancelRequested) throw new JobCancelledError();
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
        }
        if (task.isRunnable(now)) {
          task.step(now);
          worked = true;
          const pending = task.pendingWork();
          if (pending) await pending;
        }
      }
      if (unfinished === 0) break;
      if (worked && performance.now() - sliceStart < SLICE_MS) continue;
      for (const task of tasks) task.flushBuffered();
      if (worked) {
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

  private async idle(ms: number): Promise<void> {
    const ac = new AbortController();
    this.wake = () => ac.abort();
    try {
      await sleep(ms, undefined, { signal: ac.signal });
    } catch {
      // woken early by cancel()
    } finally {
      this.wake = undefined;
    }
  }
}
