import type { JobMetricsSnapshot, JobPlan, JobScopeMetrics, MetadataStore, MetricSample } from '../metadata/index.js';
import { ENDED_JOB_SAMPLES, sampleOf } from '../metadata/index.js';
import type { JobRun } from '../runtime/index.js';
import type { Clock } from '../util/clock.js';
import type { JobId } from '../util/ids.js';
import { type TimedReadings, buildSnapshot } from './metrics-snapshot.js';

/** How often a job reports its metrics into flink.db. */
export const METRICS_INTERVAL_MS = 1000;
/** Rates are averaged over this much time (Flink's meters: 60 s; shorter here, for a live view). */
export const RATE_WINDOW_MS = 5000;

/** Called with every report. */
export type MetricsListener = (snapshot: JobMetricsSnapshot, sample: MetricSample) => void;

/**
 * A job's metrics reporter (Flink's MetricRegistry with a reporter, in one): once a second it
 * reads the counters of the running attempt's tasks, adds the job's own metrics (uptime,
 * restarts, checkpoint counts and the last checkpoint from flink.db), writes the snapshot and a
 * history sample to flink.db and hands them to listeners (the live status line). A store error
 * is logged once and never stops the job.
 */
export class MetricsReporter {
  private execution: JobRun | undefined;
  private attemptStart = 0;
  private restarts = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly window: TimedReadings[] = [];
  private readonly listeners = new Set<MetricsListener>();
  private warned = false;

  constructor(
    private readonly opts: {
      readonly jobId: JobId;
      readonly plan: JobPlan;
      readonly store: MetadataStore;
      readonly clock: Clock;
      readonly log: (line: string) => void;
    },
  ) {}

  /** Starts reporting every second; records the plan first. */
  start(): void {
    this.guard(() => this.opts.store.recordPlan(this.opts.jobId, this.opts.plan));
    this.timer = setInterval(() => this.report(), METRICS_INTERVAL_MS);
    this.timer.unref();
  }

  /** A run (attempt) of the job started: its tasks are the ones read from now on. */
  attach(execution: JobRun): void {
    this.execution = execution;
    this.attemptStart = this.opts.clock.now();
    this.window.length = 0;
  }

  /** The run failed and the job restarts: no tasks until the next attach. */
  restarting(): void {
    this.restarts++;
    this.execution = undefined;
  }

  /** Reports once more (the final values) if it had started, keeps only the last minute of history, and stops. */
  stop(): void {
    if (this.timer === undefined) return;
    clearInterval(this.timer);
    this.timer = undefined;
    this.report();
    this.guard(() => this.opts.store.trimMetricHistory(this.opts.jobId, ENDED_JOB_SAMPLES));
    this.execution = undefined;
    this.listeners.clear();
  }

  /** Adds a listener; returns the function that removes it. */
  onReport(listener: MetricsListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Reads, writes and publishes one snapshot. */
  report(): void {
    const now = this.opts.clock.now();
    const current: TimedReadings = { time: now, readings: this.execution?.readMetrics() ?? [] };
    while (this.window.length > 0 && now - this.window[0]!.time > RATE_WINDOW_MS) this.window.shift();
    const base = this.window[0];
    this.window.push(current);
    let job: JobScopeMetrics | undefined;
    this.guard(() => (job = this.jobMetrics(now)));
    const snapshot = buildSnapshot({
      current,
      base,
      attemptStart: this.attemptStart,
      plan: this.opts.plan,
      job: job ?? this.jobMetricsWithoutStore(now),
    });
    const sample = sampleOf(snapshot);
    this.guard(() => this.opts.store.reportMetrics(this.opts.jobId, snapshot, sample));
    for (const listener of this.listeners) listener(snapshot, sample);
  }

  private jobMetricsWithoutStore(now: number): JobScopeMetrics {
    return {
      uptime: this.execution ? now - this.attemptStart : 0,
      numRestarts: this.restarts,
      totalNumberOfCheckpoints: 0,
      numberOfInProgressCheckpoints: 0,
      numberOfCompletedCheckpoints: 0,
      numberOfFailedCheckpoints: 0,
    };
  }

  private jobMetrics(now: number): JobScopeMetrics {
    const { store, jobId } = this.opts;
    const counts = store.checkpointCounts(jobId);
    const last = store.latestCompletedCheckpoint(jobId);
    return {
      ...this.jobMetricsWithoutStore(now),
      totalNumberOfCheckpoints: counts.total,
      numberOfInProgressCheckpoints: counts.inProgress,
      numberOfCompletedCheckpoints: counts.completed,
      numberOfFailedCheckpoints: counts.failed,
      ...(last === undefined
        ? {}
        : {
            lastCheckpointId: last.checkpointId,
            lastCheckpointDuration: last.durationMs ?? 0,
            lastCheckpointSize: last.checkpointedSize ?? 0,
            lastCheckpointFullSize: last.stateSize ?? 0,
            ...(last.path === null ? {} : { lastCheckpointExternalPath: last.path }),
          }),
    };
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      if (this.warned) return;
      this.warned = true;
      this.opts.log(`cannot record the job's metrics in flink.db: ${(err as Error).message}`);
    }
  }
}
