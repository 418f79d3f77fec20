/**
 * Flink's CheckpointFailureManager: counts checkpoints that fail in a row towards
 * `execution.checkpointing.tolerable-failed-checkpoints` and asks for a failover once more fail
 * than it tolerates. The coordinator tells it what happened; what to count is decided here.
 *
 * - A completed checkpoint or savepoint ends a run of failures (Flink's handleCheckpointSuccess)
 *   — unless a newer one completed before it: the failures since that one still stand.
 * - A failure counts only if no newer checkpoint has completed since it started (Flink counts
 *   only ids past the last success).
 * - Past the number, the count starts over as the job fails over, as Flink clears it before
 *   failing the job.
 *
 * Which failures reach it at all (a checkpoint's, never a savepoint's; not once the job is
 * ending; not a decline because a newer barrier overtook it) is the coordinator's to say.
 */
export class CheckpointFailureManager {
  private consecutive = 0;
  private lastCompleted = -1;
  /**
   * Checkpoints that failed as checkpoints (counted, or overtaken by a newer barrier), and
   * failovers asked for, ever: the final checkpoint's retries tell by them what became of an
   * attempt.
   */
  private failed = 0;
  private failovers = 0;

  constructor(
    private readonly tolerableFailures: number,
    /** Called when more consecutive checkpoints failed than tolerated; the job must fail. */
    private readonly onTooManyFailures: (reason: string) => void,
  ) {}

  /** The id of the newest checkpoint or savepoint that completed; -1 before any. */
  get lastCompletedId(): number {
    return this.lastCompleted;
  }

  get failedAttempts(): number {
    return this.failed;
  }

  get failoversAsked(): number {
    return this.failovers;
  }

  /** Checkpoint or savepoint `id` completed. */
  handleSuccess(id: number): void {
    if (id > this.lastCompleted) {
      this.lastCompleted = id;
      this.consecutive = 0;
    }
  }

  /** A checkpoint was overtaken by a newer barrier: an attempt that did not complete, but not a failure. */
  handleOvertaken(): void {
    this.failed++;
  }

  /** Checkpoint `id` failed for `reason`. */
  handleFailure(id: number, reason: string): void {
    if (id < this.lastCompleted) return;
    this.consecutive++;
    this.failed++;
    if (this.consecutive > this.tolerableFailures) {
      this.consecutive = 0;
      this.failovers++;
      this.onTooManyFailures(`Exceeded checkpoint tolerable failure threshold (${this.tolerableFailures}); last failure: ${reason}`);
    }
  }
}
