import { MAX_TIMESTAMP, MIN_TIMESTAMP } from '../../util/time.js';

/** What the valve tells its task to forward after an input event, in order. */
export type ValveEmission =
  | { readonly kind: 'watermark'; readonly timestamp: number }
  | { readonly kind: 'status'; readonly idle: boolean };

const NOTHING: readonly ValveEmission[] = Object.freeze([]);
const IDLE: ValveEmission = Object.freeze({ kind: 'status', idle: true });
const ACTIVE: ValveEmission = Object.freeze({ kind: 'status', idle: false });

interface ChannelStatus {
  watermark: number;
  idle: boolean;
  /**
   * Counts toward the minimum. A channel that comes back from idleness behind the valve's
   * output stays unaligned until its watermark catches up, so it cannot pull the output back.
   */
  aligned: boolean;
}

/**
 * The watermark of a task input over its channels (Flink's StatusWatermarkValve), as a small
 * state machine that returns what to forward instead of forwarding it. The output is the minimum
 * watermark over the aligned, active channels; it never goes back and is emitted only when it
 * advances. Idle channels do not hold it back. When the last active channel goes idle and its
 * watermark is the output's, the valve first emits the largest watermark of any channel (if that
 * advances the output), then IDLE; the first channel to become active again makes it ACTIVE,
 * and a channel coming back emits no watermark itself. While the valve is idle, watermarks are
 * ignored. All of it as Flink's valve does, edge for edge.
 */
export class StatusWatermarkValve {
  private readonly channels: ChannelStatus[];
  private lastOutputWatermark = MIN_TIMESTAMP;
  private idle = false;

  constructor(channelCount: number) {
    this.channels = Array.from({ length: channelCount }, () => ({ watermark: MIN_TIMESTAMP, idle: false, aligned: true }));
  }

  /** The last watermark the valve emitted (`MIN_TIMESTAMP` before the first). */
  get currentWatermark(): number {
    return this.lastOutputWatermark;
  }

  /** True while every channel is idle. */
  get isIdle(): boolean {
    return this.idle;
  }

  /** For tests: the state of one channel. */
  channel(index: number): Readonly<ChannelStatus> {
    return this.channels[index]!;
  }

  inputWatermark(channel: number, timestamp: number): readonly ValveEmission[] {
    const c = this.channels[channel]!;
    // A watermark from an idle channel, or while the whole valve is idle, changes nothing.
    if (this.idle || c.idle || timestamp <= c.watermark) return NOTHING;
    c.watermark = timestamp;
    if (!c.aligned && timestamp >= this.lastOutputWatermark) c.aligned = true;
    return this.newMinimum();
  }

  inputWatermarkStatus(channel: number, idle: boolean): readonly ValveEmission[] {
    const c = this.channels[channel]!;
    if (idle && !c.idle) {
      c.idle = true;
      c.aligned = false;
      if (this.channels.every((x) => x.idle)) {
        const out: ValveEmission[] = [];
        // The flush, only if this channel held the output where it is: the others went idle
        // (or stayed behind it) with the output past them already.
        if (c.watermark === this.lastOutputWatermark) {
          let max = MIN_TIMESTAMP;
          for (const x of this.channels) if (x.watermark > max) max = x.watermark;
          if (max > this.lastOutputWatermark) {
            this.lastOutputWatermark = max;
            out.push({ kind: 'watermark', timestamp: max });
          }
        }
        this.idle = true;
        out.push(IDLE);
        return out;
      }
      // It may have been the one holding the minimum back.
      return c.watermark === this.lastOutputWatermark ? this.newMinimum() : NOTHING;
    }
    if (!idle && c.idle) {
      c.idle = false;
      if (c.watermark >= this.lastOutputWatermark) c.aligned = true;
      // No new minimum is looked for here: the output moves on the next watermark, by when a
      // channel that came back behind it may have caught up (and count again).
      if (!this.idle) return NOTHING;
      this.idle = false;
      return [ACTIVE];
    }
    return NOTHING;
  }

  /**
   * Channel `channel` ended. Sources send the maximum watermark before they end, so this only
   * matters for a channel that ended without it: it must not hold the minimum back any more.
   */
  inputEndOfInput(channel: number): readonly ValveEmission[] {
    const c = this.channels[channel]!;
    if (c.watermark === MAX_TIMESTAMP && !c.idle) return NOTHING;
    const out = [...this.inputWatermarkStatus(channel, false), ...this.inputWatermark(channel, MAX_TIMESTAMP)];
    return out.length === 0 ? NOTHING : out;
  }

  private newMinimum(): readonly ValveEmission[] {
    let min = Infinity;
    for (const x of this.channels) if (x.aligned && !x.idle && x.watermark < min) min = x.watermark;
    if (min === Infinity || min <= this.lastOutputWatermark) return NOTHING;
    this.lastOutputWatermark = min;
    return [{ kind: 'watermark', timestamp: min }];
  }
}
