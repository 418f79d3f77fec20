import { BroadcastChannel } from 'node:worker_threads';
import type { Sink, SinkWriter, SinkWriterContext } from '../../graph/index.js';
import { pack } from '../../util/binary-codec.js';
import { COLLECT_MAX_UNREAD, type CollectClientMessage, type CollectWriterMessage, collectChannelName } from './collect-protocol.js';

/**
 * The sink behind `executeAndCollect` / `collectAsync` (Flink's CollectSinkFunction): hands the
 * stream's records to the client in this process, numbered by an offset kept in its state (see
 * collect-protocol.ts). Parallelism 1, as Flink's.
 *
 * `token` names the sink within its job: the same in every thread that builds the job's graph
 * (the transformation's id), so a writer on a worker thread finds the client of the main thread.
 */
export class CollectSink<T> implements Sink<T> {
  constructor(readonly token: string) {}

  createWriter(context: SinkWriterContext): SinkWriter<T> {
    return new CollectSinkWriter<T>(collectChannelName(context.jobId, this.token), context);
  }
}

/** Records are sent in batches of at most this many (one message each). */
const BATCH = 1024;
/** How often an unanswered hello is repeated. */
const HELLO_AGAIN_MS = 50;

class CollectSinkWriter<T> implements SinkWriter<T> {
  private readonly channel: BroadcastChannel;
  private readonly attempt: number;
  /** Results produced before this run began (the restored checkpoint's offset). */
  private base = 0;
  /** Results produced so far: the offset of the next one. */
  private offset = 0;
  /** Written, not yet sent. */
  private batch: T[] = [];
  /** The offset each snapshot cut at, by checkpoint, until the checkpoint completes. */
  private readonly cuts = new Map<number, number>();
  /** What the client may show: every result before this offset. */
  private shown = 0;
  /** What the client has handed out. */
  private consumed = 0;
  /** Where the client last said it waits for results (-1: not heard); it starves while this is at `shown`. */
  private waitingAt = -1;
  /** The client stopped reading, or keeps everything: this writer never waits for it. */
  private neverWait = false;
  private closed = false;
  private ready: Promise<void>;
  private markReady!: () => void;
  /** Resolved when the client reads on (or closes), while this writer waits for it. */
  private wake: (() => void) | undefined;
  private waiting: Promise<void> | undefined;

  constructor(
    name: string,
    private readonly context: SinkWriterContext,
  ) {
    this.attempt = context.attemptNumber ?? 0;
    this.ready = new Promise<void>((resolve) => (this.markReady = resolve));
    this.channel = new BroadcastChannel(name);
    this.channel.onmessage = (event) => this.onClientMessage((event as { data: CollectClientMessage }).data);
  }

  restoreState(state: unknown[]): void {
    // Parallelism 1: one offset; after a change of parallelism (union state) the largest.
    for (const s of state) if (typeof s === 'number' && Number.isSafeInteger(s) && s > this.base) this.base = s;
  }

  /**
   * Announces this run and waits until the client listens: results sent before it would be lost.
   * The announcement is repeated until answered: a message reaches only the channel's ends that
   * exist when it is posted, and the client's may not yet (it binds once the job has started).
   */
  async open(): Promise<void> {
    this.offset = this.shown = this.consumed = this.base;
    const hello: CollectWriterMessage = { t: 'hello', attempt: this.attempt, base: this.base, checkpointing: this.context.checkpointing };
    this.post(hello);
    const again = setInterval(() => this.post(hello), HELLO_AGAIN_MS);
    try {
      await this.ready;
    } finally {
      clearInterval(again);
    }
  }

  write(value: T): void {
    this.batch.push(value);
    if (this.batch.length >= BATCH) this.flush();
  }

  /** After each batch of records: sends them, and waits while the client holds too many unread. */
  pendingWork(): Promise<unknown> | undefined {
    this.flush();
    if (!this.context.checkpointing) this.shown = this.offset;
    if (!this.mustWait()) return undefined;
    // One wait, however often it is asked for (the task asks after a batch and again at the end
    // of input): a second promise would replace the first's resolver, and whoever awaits the
    // first would wait for ever.
    this.waiting ??= new Promise<void>((resolve) => (this.wake = resolve));
    return this.waiting;
  }

  snapshotState(checkpointId: number): unknown[] {
    this.flush();
    this.cuts.set(checkpointId, this.offset);
    return [this.offset];
  }

  notifyCheckpointComplete(checkpointId: number): void {
    let covered = -1;
    for (const [id, offset] of this.cuts) {
      if (id > checkpointId) continue;
      covered = Math.max(covered, offset);
      this.cuts.delete(id);
    }
    if (covered < 0) return;
    this.shown = Math.max(this.shown, covered);
    this.post({ t: 'checkpointed', attempt: this.attempt, offset: covered });
  }

  endOfInput(): void {
    this.flush();
  }

  close(): void {
    this.flush();
    this.closed = true;
    // An open() still waiting for the client (a cancel while it waits) ends, and so do its hellos.
    this.markReady();
    this.wake?.();
    this.wake = undefined;
    this.waiting = undefined;
    // Messages posted before close still arrive.
    this.channel.close();
  }

  /**
   * The client holds too many results unread: readable ones, or (with checkpointing) results sent
   * ahead of the last completed checkpoint while the client is not waiting for any. A client
   * that waits must get them: only a checkpoint taken further on, past this writer, makes them
   * readable. (Without checkpointing every result sent is readable: the two bounds are one.)
   */
  private mustWait(): boolean {
    if (this.neverWait) return false;
    if (this.shown - this.consumed > COLLECT_MAX_UNREAD) return true;
    const starving = this.waitingAt >= this.shown;
    return !starving && this.offset - this.consumed > COLLECT_MAX_UNREAD;
  }

  private flush(): void {
    if (this.batch.length === 0) return;
    const records = pack(this.batch);
    this.post({ t: 'data', attempt: this.attempt, from: this.offset, records });
    this.offset += this.batch.length;
    this.batch = [];
  }

  private post(message: CollectWriterMessage): void {
    if (!this.closed) this.channel.postMessage(message);
  }

  private onClientMessage(message: CollectClientMessage): void {
    if (message.t === 'ready') {
      // An answer to another attempt's hello says nothing of whether this one's arrived.
      if (message.attempt !== this.attempt) return;
      if (message.holdsAll) this.neverWait = true;
      this.markReady();
    }
    else if (message.t === 'consumed') this.consumed = Math.max(this.consumed, message.offset);
    else if (message.t === 'waiting') {
      this.consumed = Math.max(this.consumed, message.offset);
      this.waitingAt = Math.max(this.waitingAt, message.offset);
    }
    else if (message.t === 'closed') {
      this.neverWait = true;
      this.markReady();
    }
    if (this.wake && !this.mustWait()) {
      const wake = this.wake;
      this.wake = undefined;
      this.waiting = undefined;
      wake();
    }
  }
}
