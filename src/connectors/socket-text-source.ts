import { type Socket, connect } from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import type { Boundedness, InputStatus, ReaderOutput, Source, SourceReader, SourceReaderContext } from '../graph/index.js';
import { describeArgument } from '../util/describe-argument.js';

/** The one split of a socket source: where it connects. It has no position: a socket cannot be read again. */
export interface SocketSplit {
  readonly hostname: string;
  readonly port: number;
}

/** Flink's pause between a lost connection and the next attempt. */
const RETRY_DELAY_MS = 500;
/** Lines held unread before the reader stops reading the socket (TCP then holds the sender back). */
const MAX_QUEUED_LINES = 16_384;
/** How long the task waits between polls when nothing says more arrived (the reader says so itself as data comes). */
const IDLE_POLL_MS = 100;

/**
 * `env.socketTextStream(hostname, port, delimiter, maxRetry)`: the text a server sends over TCP,
 * cut at `delimiter`, as Flink's SocketTextStreamFunction reads it — a trailing `\r` dropped when
 * the delimiter is `\n`, what follows the last delimiter emitted when the stream ends, bytes
 * decoded as UTF-8. When the server closes the connection, the source connects again after
 * 500 ms while `maxRetry` allows (-1: for ever; n: while fewer than n connections have ended, as
 * Flink counts), and a line cut by the reconnection is joined; then it ends. A connection that
 * cannot be made, or that breaks, fails the job (its restart strategy may connect again).
 *
 * Not replayable, as Flink's is not: a socket cannot be read again, so a restore connects anew
 * and what the old connection delivered after the last checkpoint is lost — at most once, under
 * any checkpointing mode. Non-parallel.
 */
export class SocketTextSource implements Source<string, SocketSplit> {
  readonly maxSourceParallelism = 1;
  readonly replayable = false;

  constructor(
    private readonly hostname: string,
    private readonly port: number,
    private readonly delimiter = '\n',
    private readonly maxRetry = 0,
  ) {
    if (typeof hostname !== 'string' || hostname.length === 0) throw new TypeError('socketTextStream needs a hostname, e.g. "localhost".');
    if (!Number.isInteger(port) || port <= 0 || port >= 65536) throw new RangeError(`socketTextStream's port must be an integer from 1 to 65535, got ${describeArgument(port)}.`);
    if (typeof delimiter !== 'string' || delimiter.length === 0) throw new TypeError('socketTextStream\'s delimiter must be a non-empty string (default "\\n").');
    if (!Number.isInteger(maxRetry) || maxRetry < -1) {
      throw new RangeError(`socketTextStream's maxRetry must be 0 or more, or -1 to retry for ever, got ${describeArgument(maxRetry)}.`);
    }
  }

  getBoundedness(): Boundedness {
    return 'CONTINUOUS_UNBOUNDED';
  }

  createSplits(): SocketSplit[] {
    return [{ hostname: this.hostname, port: this.port }];
  }

  createReader(context: SourceReaderContext): SourceReader<string, SocketSplit> {
    return new SocketTextReader(this.delimiter, this.maxRetry, context);
  }
}

class SocketTextReader implements SourceReader<string, SocketSplit> {
  private split: SocketSplit | undefined;
  private socket: Socket | undefined;
  private connected = false;
  private readonly decoder = new StringDecoder('utf8');
  /** Text received after the last delimiter (kept across reconnections, as Flink keeps it). */
  private partial = '';
  private lines: string[] = [];
  private head = 0;
  /** Connections that ended (Flink's `attempt`). */
  private ended = 0;
  private retryAt = 0;
  private finished = false;
  private failure: Error | undefined;

  constructor(
    private readonly delimiter: string,
    private readonly maxRetry: number,
    private readonly context: SourceReaderContext,
  ) {}

  addSplits(splits: SocketSplit[]): void {
    this.split ??= splits[0];
  }

  pollNext(output: ReaderOutput<string>, max: number): InputStatus {
    if (this.failure) throw this.failure;
    if (this.split === undefined) return 'END_OF_INPUT';
    if (this.socket === undefined && !this.finished && this.context.clock.now() >= this.retryAt) this.connect(this.split);
    let emitted = 0;
    while (emitted < max && this.head < this.lines.length) {
      output.collect(this.lines[this.head++]!);
      emitted++;
    }
    if (this.head === this.lines.length) {
      this.lines = [];
      this.head = 0;
      if (this.socket?.isPaused()) this.socket.resume();
      if (this.finished) {
        if (this.partial.length > 0) output.collect(this.partial);
        this.partial = '';
        this.split = undefined;
        return 'END_OF_INPUT';
      }
      return 'NOTHING_AVAILABLE';
    }
    return 'MORE_AVAILABLE';
  }

  nextAvailableTime(): number {
    const now = this.context.clock.now();
    return this.socket === undefined && !this.finished ? Math.max(this.retryAt, now) : now + IDLE_POLL_MS;
  }

  /** The split, so that a restored job connects again; none once the stream ended. */
  snapshotState(): SocketSplit[] {
    return this.split === undefined ? [] : [this.split];
  }

  close(): void {
    this.socket?.destroy();
    this.socket = undefined;
  }

  private connect({ hostname, port }: SocketSplit): void {
    const socket = connect({ host: hostname, port });
    this.socket = socket;
    this.connected = false;
    socket.on('connect', () => {
      this.connected = true;
    });
    socket.on('data', (chunk: Buffer) => this.receive(this.decoder.write(chunk)));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      const why = err.code ?? err.message;
      this.failure ??= this.connected
        ? new Error(`The connection to socket ${hostname}:${port} broke (${why}).`)
        : new Error(`Cannot connect to socket ${hostname}:${port} (${why}): start the server first (e.g. nc -lk ${port}).`);
      this.context.notifyAvailable?.();
    });
    socket.on('end', () => {
      this.receive(this.decoder.end());
      this.socket = undefined;
      this.ended++;
      if (this.maxRetry === -1 || this.ended < this.maxRetry) this.retryAt = this.context.clock.now() + RETRY_DELAY_MS;
      else this.finished = true;
      this.context.notifyAvailable?.();
    });
  }

  /** Cuts what arrived into lines; stops reading while too many wait. */
  private receive(text: string): void {
    if (text.length === 0) return;
    const received = this.partial + text;
    const d = this.delimiter;
    let start = 0;
    for (let at = received.indexOf(d); at >= 0; at = received.indexOf(d, start)) {
      let line = received.slice(start, at);
      if (d === '\n' && line.endsWith('\r')) line = line.slice(0, -1);
      this.lines.push(line);
      start = at + d.length;
    }
    this.partial = received.slice(start);
    if (this.lines.length - this.head >= MAX_QUEUED_LINES) this.socket?.pause();
    this.context.notifyAvailable?.();
  }
}
