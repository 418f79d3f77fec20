import { BroadcastChannel } from 'node:worker_threads';
import { type CollectClientMessage, type CollectWriterMessage, collectChannelName } from '../connectors/collect/collect-protocol.js';
import { CollectResultBuffer } from '../connectors/collect/collect-result-buffer.js';
import { FlinkError, JobCancelledError } from '../util/errors.js';
import type { JobClient } from './pipeline-executor.js';

/** An iterator over a running job's results that can be closed early (Flink's CloseableIterator). */
export interface CloseableIterator<T> extends AsyncIterableIterator<T> {
  /** Stops reading; cancels the job if it still runs. Also what leaving a `for await` loop early does. */
  close(): Promise<void>;
}

/** How many results are handed out between two reports to the writer (a report per result would cost a message each). */
const CONSUMED_EVERY = 1024;

/**
 * The client of one collect sink (Flink's CollectResultIterator): made when the sink is added,
 * bound to the job once it starts; it listens on the sink's channel and hands the results out in
 * order, each once (see CollectResultBuffer for when a result may be handed out).
 */
export class CollectResultIterator<T> implements CloseableIterator<T> {
  private readonly buffer = new CollectResultBuffer<T>();
  private client: JobClient | undefined;
  private channel: BroadcastChannel | undefined;
  private holdsAll = false;
  /** Why reading cannot go on: the job failed, or results would come twice. */
  private failure: unknown;
  private closed = false;
  /** How the job ended, kept until every message of its writers is in ('drained'). */
  private succeeded = false;
  private jobFailure: unknown;
  private reported = 0;
  /** Wakes a `next` waiting for results or the job's end. */
  private signal: (() => void) | undefined;

  constructor(readonly token: string) {}

  /** @internal Starts listening to the job's sink. `holdsAll`: keep every result, the writer never waits (see `env.execute()`). */
  bind(client: JobClient, holdsAll: boolean): void {
    this.client = client;
    this.holdsAll = holdsAll;
    if (client.ranElsewhere) {
      // A worker thread re-running the job file: the job ran in the main thread, its results are there.
      this.buffer.finished();
      return;
    }
    const name = collectChannelName(client.getJobID(), this.token);
    const channel = new BroadcastChannel(name);
    // The channel keeps the process alive only while a reader waits on it (see next()): results
    // nobody reads do not keep a program from ending.
    channel.unref();
    channel.onmessage = (event) => this.onMessage((event as { data: CollectWriterMessage | CollectClientMessage }).data);
    this.channel = channel;
    const drain = (): void => {
      // From a second end: it arrives after everything the writers posted (see 'drained').
      const marker = new BroadcastChannel(name);
      marker.postMessage({ t: 'drained' } satisfies CollectClientMessage);
      marker.close();
    };
    client.getJobExecutionResult().then(
      () => {
        this.succeeded = true;
        drain();
      },
      (err: unknown) => {
        // Cancelled by close(): not a failure of the reader's.
        if (!(this.closed && err instanceof JobCancelledError)) this.jobFailure = err;
        drain();
      },
    );
  }

  async next(): Promise<IteratorResult<T>> {
    // A user's mistake, not a bug: one typed line (Flink's Collector.getOutput refuses it too, "The job execution was not yet started").
    if (this.client === undefined) throw new FlinkError('collect.notStarted', 'The job of this collect iterator has not started: call env.executeAsync() (or use stream.executeAndCollect()).');
    for (;;) {
      if (this.closed) return { value: undefined, done: true };
      if (this.buffer.hasNext) {
        const value = this.buffer.take();
        if (this.buffer.handedOut - this.reported >= CONSUMED_EVERY || !this.buffer.hasNext) this.reportConsumed();
        return { value, done: false };
      }
      if (this.failure !== undefined) {
        const failure = this.failure;
        this.finish();
        throw failure;
      }
      if (this.buffer.exhausted) {
        this.finish();
        return { value: undefined, done: true };
      }
      // Said at each wait (a message wakes this reader, so at most once per message received):
      // a writer of a new attempt, or one waiting on unreadable results, hears it.
      this.post({ t: 'waiting', offset: this.buffer.handedOut });
      this.channel?.ref();
      await new Promise<void>((resolve) => (this.signal = resolve));
      this.channel?.unref();
    }
  }

  /** Leaving a `for await` loop early: close, which cancels the job if it still runs. */
  async return(): Promise<IteratorResult<T>> {
    await this.close();
    return { value: undefined, done: true };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.post({ t: 'closed' });
    this.wake();
    // A job that already ended is not cancelled again (cancel() then only waits for its end).
    if (this.client) await this.client.cancel();
    this.finish();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private onMessage(message: CollectWriterMessage | CollectClientMessage): void {
    if (message.t === 'drained') {
      if (this.succeeded) this.buffer.finished();
      else this.failure ??= this.jobFailure ?? new JobCancelledError();
      this.wake();
      return;
    }
    if (message.t === 'ready' || message.t === 'consumed' || message.t === 'waiting' || message.t === 'closed') return;
    if (message.t === 'hello') this.post({ t: 'ready', attempt: message.attempt, holdsAll: this.holdsAll || this.closed });
    try {
      this.buffer.receive(message);
    } catch (err) {
      this.failure ??= err;
      // Nothing more can be handed out: the job is of no use to this reader.
      void this.client?.cancel();
    }
    this.wake();
  }

  private reportConsumed(): void {
    this.reported = this.buffer.handedOut;
    this.post({ t: 'consumed', offset: this.reported });
  }

  private post(message: CollectClientMessage): void {
    this.channel?.postMessage(message);
  }

  private wake(): void {
    const signal = this.signal;
    this.signal = undefined;
    signal?.();
  }

  private finish(): void {
    this.closed = true;
    this.channel?.close();
    this.channel = undefined;
  }
}

/** The first `limit` results (fewer if the job ends first); then closes the iterator, which cancels a job still running. */
export async function takeAndClose<T>(iterator: CloseableIterator<T>, limit: number): Promise<T[]> {
  const records: T[] = [];
  try {
    while (records.length < limit) {
      const r = await iterator.next();
      if (r.done === true) break;
      records.push(r.value);
    }
  } finally {
    await iterator.close();
  }
  return records;
}
