import { unpack } from '../../util/binary-codec.js';
import { FlinkError } from '../../util/errors.js';
import type { CollectWriterMessage } from './collect-protocol.js';

/** Collected results cannot be handed out exactly once (see {@link CollectResultBuffer.receive}). */
export class CollectRestartError extends FlinkError {
  constructor(message: string) {
    super('collect.restarted', message);
  }
}

/**
 * The client's side of a collect sink (Flink's CheckpointedCollectResultBuffer and
 * UncheckpointedCollectResultBuffer in one): the results received, which of them may be shown,
 * and which were handed out. Pure: fed the writers' messages, asked for the next result.
 *
 * Offsets: `next` ≤ `shown` ≤ `received`. Without checkpoints a result is shown as it comes;
 * with them, once a completed checkpoint covers it, so that a restore never takes back a result
 * already handed out. A writer of a new attempt (a failover) says where its results go on from
 * (its restored offset): results received past that are dropped (they come again). A restart
 * from before what was handed out would hand results out twice — without checkpoints a restart
 * goes back to 0 — so it fails the reader instead (Flink's uncheckpointed buffer fails with "Job
 * restarted" too, even with nothing handed out yet; here that case goes on).
 */
export class CollectResultBuffer<T> {
  /** The attempt whose messages count (older ones' late messages are dropped); -1 before any hello. */
  private attempt = -1;
  private checkpointing = false;
  /** Offset of `records[0]`. */
  private start = 0;
  private records: T[] = [];
  /** The next result to hand out. */
  private next = 0;
  private shown = 0;
  /** Set when the job ended well and every message of its writers was received: all of it may be shown. */
  private jobFinished = false;

  /** The offset after the last result received. */
  get received(): number {
    return this.start + this.records.length;
  }

  /** The offset of the next result to hand out. */
  get handedOut(): number {
    return this.next;
  }

  /** True when a result can be handed out now. */
  get hasNext(): boolean {
    return this.next < this.shown;
  }

  /** True once the job ended well and every result of it was handed out. */
  get exhausted(): boolean {
    return this.jobFinished && this.next === this.received;
  }

  /** Takes a writer's message in; throws {@link CollectRestartError} when results would be handed out twice. */
  receive(message: CollectWriterMessage): void {
    if (message.attempt < this.attempt) return;
    if (message.t === 'hello') {
      if (message.attempt > this.attempt) this.restart(message.attempt, message.base, message.checkpointing);
      return;
    }
    if (message.attempt !== this.attempt) return;
    if (message.t === 'data') {
      // One sender's messages arrive in order, so its data follows its hello and itself.
      if (message.from !== this.received) throw new Error(`collect: results from ${message.from} arrived where ${this.received} was expected`);
      const values = unpack(message.records) as T[];
      for (const v of values) this.records.push(v);
      if (!this.checkpointing) this.shown = this.received;
    } else {
      this.shown = Math.max(this.shown, Math.min(message.offset, this.received));
    }
  }

  /**
   * The job ended well and every message its writers sent was received: every result may be
   * shown (the last ones were committed by the job's final checkpoint, or need none).
   */
  finished(): void {
    this.jobFinished = true;
    this.shown = this.received;
  }

  /** The next result (only while {@link hasNext}). */
  take(): T {
    if (!this.hasNext) throw new Error('collect: no result to take');
    const value = this.records[this.next - this.start]!;
    this.next++;
    // Handed-out results are dropped in chunks, not one by one (a shift per result is O(n)).
    const done = this.next - this.start;
    if (done >= 4096 && done * 2 >= this.records.length) {
      this.records = this.records.slice(done);
      this.start = this.next;
    }
    return value;
  }

  private restart(attempt: number, base: number, checkpointing: boolean): void {
    if (base < this.next) {
      throw new CollectRestartError(
        checkpointing
          ? `The job restarted from a checkpoint taken before results it had already handed out (offset ${base} < ${this.next}): they would be handed out again.`
          : `The job restarted after handing out ${this.next} collected result(s), and without checkpointing it starts over: they would be handed out again. Enable checkpointing (env.enableCheckpointing(ms)) for results exactly once across failures.`,
      );
    }
    this.attempt = attempt;
    this.checkpointing = checkpointing;
    if (this.received > base) {
      // Past the restored offset: these come again from the new attempt.
      this.records.length = base - this.start;
    } else if (this.received < base) {
      // Produced before this client listened (a restore from another run's savepoint): not ours.
      this.records = [];
      this.start = this.next = base;
    }
    this.shown = Math.min(this.shown, this.received);
    if (this.shown < this.next) this.shown = this.next;
  }

}
