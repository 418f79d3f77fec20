import type { CheckpointBarrier } from '../channel-events.js';

/** What the task must do after an input event, as decided by the aligner. */
export type AlignmentAction =
  | { readonly kind: 'none' }
  /** Every input has delivered the barrier (or ended): snapshot now and forward it. */
  | { readonly kind: 'checkpoint'; readonly barrier: CheckpointBarrier; readonly alignmentMs: number }
  /**
   * A newer barrier overtook an unfinished alignment: that checkpoint cannot complete here.
   * `then` is what the newer barrier itself led to.
   */
  | { readonly kind: 'abort'; readonly checkpointId: number; readonly reason: string; readonly then: AlignmentAction };

interface Alignment {
  readonly barrier: CheckpointBarrier;
  readonly received: Set<number>;
  readonly startedAt: number;
}

/**
 * Barrier alignment of a task with several input channels, as a small state machine.
 * Aligned (EXACTLY_ONCE, savepoints): a channel that delivered barrier n is blocked until every
 * channel has, so no record after the barrier reaches the state before the snapshot.
 * Unaligned-by-counting (AT_LEAST_ONCE): nothing is blocked; the snapshot is taken when the last
 * barrier arrives, so records after the barrier on fast channels may be in it (and replayed).
 */
export class BarrierAligner {
  private readonly blocked: boolean[];
  private readonly ended: boolean[];
  private readonly pending = new Map<number, Alignment>();

  constructor(
    private readonly channelCount: number,
    private readonly now: () => number,
  ) {
    this.blocked = new Array<boolean>(channelCount).fill(false);
    this.ended = new Array<boolean>(channelCount).fill(false);
  }

  /** True if records of `channel` must wait (it delivered a barrier others have not yet). */
  isBlocked(channel: number): boolean {
    return this.blocked[channel]!;
  }

  onBarrier(channel: number, barrier: CheckpointBarrier): AlignmentAction {
    const id = barrier.checkpointId;
    for (const [older, a] of this.pending) {
      if (older < id && a.barrier.options.aligned) {
        this.finish(older);
        // The newer barrier still counts: channels are FIFO, it will not come again on this one.
        const then = this.onBarrier(channel, barrier);
        return { kind: 'abort', checkpointId: older, reason: `barrier ${id} overtook the alignment of checkpoint ${older}`, then };
      }
    }
    let a = this.pending.get(id);
    if (!a) {
      a = { barrier, received: new Set(), startedAt: this.now() };
      this.pending.set(id, a);
    }
    a.received.add(channel);
    if (barrier.options.aligned) this.blocked[channel] = true;
    return this.check(id);
  }

  /**
   * A channel ended: it counts as having delivered every barrier still awaited. Returns every
   * alignment that this completes, oldest first (several unaligned checkpoints may have been
   * waiting only for this channel); empty if none did.
   */
  onEndOfInput(channel: number): AlignmentAction[] {
    this.ended[channel] = true;
    this.blocked[channel] = false;
    const completed: AlignmentAction[] = [];
    for (const id of [...this.pending.keys()].sort((x, y) => x - y)) {
      const action = this.check(id);
      if (action.kind !== 'none') completed.push(action);
    }
    return completed;
  }

  private check(id: number): AlignmentAction {
    const a = this.pending.get(id)!;
    for (let c = 0; c < this.channelCount; c++) {
      if (!this.ended[c] && !a.received.has(c)) return { kind: 'none' };
    }
    this.finish(id);
    return { kind: 'checkpoint', barrier: a.barrier, alignmentMs: this.now() - a.startedAt };
  }

  private finish(id: number): void {
    // Only one aligned checkpoint is ever in progress (a newer one aborts it), so its end
    // releases every blocked channel.
    this.pending.delete(id);
    this.blocked.fill(false);
  }
}
