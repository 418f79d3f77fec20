import type { WatermarkAlignment } from '../../graph/index.js';
import type { Clock } from '../../util/clock.js';
import { MAX_TIMESTAMP, MIN_TIMESTAMP } from '../../util/time.js';

/*
 * Watermark alignment (Flink's FLIP-182): source subtasks report their watermark to one place
 * per job (Flink's SourceCoordinator with its WatermarkAggregator per group), which tells every
 * source subtask of a group the group's lowest watermark; a subtask further ahead of it than its
 * allowed drift stops reading until that changes.
 */

/** Where a source subtask reports its watermark (the job's aggregator, on this thread or the main one). */
export interface WatermarkAlignmentReporter {
  report(group: string, member: string, watermark: number): void;
}

/**
 * The lowest watermark of each group over the subtasks that reported (Flink's
 * WatermarkAggregator): a pure fold over reports. A subtask that never reported (it has emitted
 * no watermark yet) does not hold the group back, as in Flink.
 */
export class WatermarkAlignmentAggregator {
  private readonly groups = new Map<string, { readonly reported: Map<string, number>; min: number | undefined }>();

  /** Takes `member`'s report; returns the group's lowest watermark if that changed (to announce), else undefined. */
  report(group: string, member: string, watermark: number): number | undefined {
    let g = this.groups.get(group);
    if (g === undefined) this.groups.set(group, (g = { reported: new Map(), min: undefined }));
    g.reported.set(member, watermark);
    let min = MAX_TIMESTAMP;
    for (const w of g.reported.values()) if (w < min) min = w;
    if (min === g.min) return undefined;
    g.min = min;
    return min;
  }
}

/**
 * A source subtask's side of alignment (Flink's SourceOperator): reports its current watermark
 * every update interval — the maximum watermark while it is idle or once it has finished, and
 * nothing before its first watermark — and waits while its watermark is above the group's
 * lowest plus its allowed drift.
 */
export class SourceAlignment {
  /** The highest watermark this subtask may read past (Flink's currentMaxDesiredWatermark); none until told. */
  private maxAllowed = MAX_TIMESTAMP;
  private nextReport: number;
  private activity: PausableClock | undefined;

  constructor(
    readonly params: WatermarkAlignment,
    private readonly member: string,
    private readonly reporter: WatermarkAlignmentReporter,
    now: number,
  ) {
    this.nextReport = now + params.updateIntervalMs;
  }

  /** When this subtask reports next (ms of processing time). */
  get nextReportTime(): number {
    return this.nextReport;
  }

  /** The group's lowest watermark was announced. */
  announce(groupWatermark: number): void {
    // The sum saturates: an idle or finished group reports the maximum watermark.
    this.maxAllowed = groupWatermark >= MAX_TIMESTAMP - this.params.maxAllowedDriftMs ? MAX_TIMESTAMP : groupWatermark + this.params.maxAllowedDriftMs;
  }

  /** True while a subtask whose watermark is `watermark` must not read (Flink's shouldWaitForAlignment). */
  waits(watermark: number): boolean {
    return this.maxAllowed < watermark;
  }

  /**
   * The clock this subtask's idleness is measured on (Flink's mainInputActivityClock): `base`,
   * standing still while the subtask waits for alignment — a source that reads nothing because
   * it is ahead is not idle, and reporting the maximum watermark for it would let the group's
   * lowest pass subtasks that are still behind.
   */
  activityClock(base: Clock): Clock {
    this.activity ??= new PausableClock(base);
    return this.activity;
  }

  /** The subtask's watermark or the announced lowest changed: pauses or resumes the activity clock. */
  sync(watermark: number): void {
    if (this.activity === undefined) return;
    if (this.waits(watermark)) this.activity.pause();
    else this.activity.resume();
  }

  /** The update interval passed: reports `watermark` (the maximum while idle). */
  reportIfDue(now: number, watermark: number, idle: boolean): void {
    if (now < this.nextReport) return;
    this.nextReport = now + this.params.updateIntervalMs;
    if (watermark === MIN_TIMESTAMP) return;
    this.reporter.report(this.params.group, this.member, idle ? MAX_TIMESTAMP : watermark);
  }

  /** The subtask's input ended: it holds nobody back any more. */
  finished(): void {
    this.nextReport = Infinity;
    this.reporter.report(this.params.group, this.member, MAX_TIMESTAMP);
  }
}

/** A clock that can be stopped: while paused it reads the time it was paused at, and after it the time paused is left out. */
class PausableClock implements Clock {
  private pausedAt: number | undefined;
  private pausedFor = 0;

  constructor(private readonly base: Clock) {}

  now(): number {
    return (this.pausedAt ?? this.base.now()) - this.pausedFor;
  }

  pause(): void {
    this.pausedAt ??= this.base.now();
  }

  resume(): void {
    if (this.pausedAt === undefined) return;
    this.pausedFor += this.base.now() - this.pausedAt;
    this.pausedAt = undefined;
  }
}
