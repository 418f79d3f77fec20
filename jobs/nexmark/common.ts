/**
 * What the Nexmark jobs share: their arguments, the Nexmark source, the bids of the stream, and
 * where result rows go. Every job takes:
 *
 *   --events N       events to generate (default 1,000,000; `inf` for no end)
 *   --rps N          emit at most N events per second (default: as fast as possible)
 *   --event-rate N   Nexmark's first-event.rate: event time advances N events per second
 *                    (default 10,000); it sets event times and auction lengths, not speed
 *   --out DIR        write rows as JSON lines into a FileSink (exactly-once) in DIR
 *   --print          print rows instead
 *
 * Without --out or --print rows are discarded, as Nexmark's benchmark does (its `blackhole`
 * sink). Rows are plain objects, written as JSON with their fields in Nexmark's column order.
 */
import {
  type Bid,
  type BucketAssigner,
  type Collector,
  type DataStream,
  Duration,
  FileSink,
  type NexmarkEvent,
  NexmarkSource,
  StreamExecutionEnvironment,
  WatermarkStrategy,
} from 'flink-ts';

export interface NexmarkJobArgs {
  readonly events: number;
  readonly rps: number | undefined;
  readonly eventRate: number | undefined;
  readonly out: string | undefined;
  readonly print: boolean;
  /** Arguments this module does not know, for the job's own options. */
  readonly rest: readonly string[];
}

function positiveNumber(name: string, text: string | undefined): number {
  const n = Number(text);
  if (text === undefined || !(n > 0) || !Number.isFinite(n)) throw new Error(`${name} needs a positive number, got ${text ?? 'nothing'}.`);
  return n;
}

/** Parses the common arguments (see the top of this file). */
export function parseNexmarkArgs(argv: readonly string[] = process.argv.slice(2)): NexmarkJobArgs {
  let events = 1_000_000;
  let rps: number | undefined;
  let eventRate: number | undefined;
  let out: string | undefined;
  let print = false;
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--events') {
      const v = argv[++i];
      events = v === 'inf' ? Infinity : positiveNumber('--events', v);
      if (events !== Infinity && !Number.isSafeInteger(events)) throw new Error(`--events needs a whole number or inf, got ${v}.`);
    } else if (a === '--rps') rps = positiveNumber('--rps', argv[++i]);
    else if (a === '--event-rate') eventRate = positiveNumber('--event-rate', argv[++i]);
    else if (a === '--out') out = argv[++i];
    else if (a === '--print') print = true;
    else rest.push(a);
  }
  return { events, rps, eventRate, out, print, rest };
}

/** Nexmark's watermark: `dateTime - INTERVAL '4' SECOND` (bounded out-of-orderness of 4 s). */
export const NEXMARK_OUT_OF_ORDERNESS = Duration.ofSeconds(4);

/**
 * A job's environment, arguments and Nexmark event stream (uid `nexmark-source`). Events carry
 * their `dateTime` as record timestamp; with `eventTime`, watermarks trail it by 4 s, per source
 * split, as Nexmark's tables declare (`WATERMARK FOR dateTime AS dateTime - INTERVAL '4' SECOND`).
 */
export function nexmarkJob(options: { eventTime?: boolean } = {}): { env: StreamExecutionEnvironment; args: NexmarkJobArgs; events: DataStream<NexmarkEvent> } {
  const args = parseNexmarkArgs();
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  const source = new NexmarkSource({
    count: args.events,
    ...(args.rps === undefined ? {} : { recordsPerSecond: args.rps }),
    ...(args.eventRate === undefined ? {} : { firstEventRate: args.eventRate }),
  });
  const strategy = options.eventTime
    ? WatermarkStrategy.forBoundedOutOfOrderness<NexmarkEvent>(NEXMARK_OUT_OF_ORDERNESS)
    : WatermarkStrategy.noWatermarks<NexmarkEvent>();
  const events = env.fromSource(source, strategy, 'nexmark').uid('nexmark-source');
  return { env, args, events };
}

const DAY_MS = 86_400_000;
const pad2 = (n: number) => (n < 10 ? `0${n}` : `${n}`);
let cachedDay = Number.NaN;
let cachedDayText = '';

/** The day number of `t` (days since the epoch, UTC): a cheap numeric key for per-day groups. */
export function dayNumber(t: number): number {
  return Math.floor(t / DAY_MS);
}

/** `yyyy-MM-dd` of `t` in UTC (SQL's `DATE_FORMAT(dateTime, 'yyyy-MM-dd')`), formatted once per day. */
export function utcDay(t: number): string {
  const day = dayNumber(t);
  if (day !== cachedDay) {
    cachedDayText = new Date(day * DAY_MS).toISOString().slice(0, 10);
    cachedDay = day;
  }
  return cachedDayText;
}

/** `HH:mm` of `t` in UTC (SQL's `DATE_FORMAT(dateTime, 'HH:mm')`). */
export function utcHourMinute(t: number): string {
  const minute = Math.floor((t - dayNumber(t) * DAY_MS) / 60_000);
  return `${pad2(Math.floor(minute / 60))}:${pad2(minute % 60)}`;
}

/** The bids of the stream (uid `bids`): Nexmark's `bid` view. */
export function bidsOf(events: DataStream<NexmarkEvent>): DataStream<Bid> {
  return events
    .flatMap((e: NexmarkEvent, out: Collector<Bid>) => {
      if (e.bid !== null) out.collect(e.bid);
    })
    .name('bids')
    .uid('bids');
}

/** Sends rows where the arguments say (uid `sink`); `buckets` names a FileSink sub-directory per row. */
export function sinkRows<T>(rows: DataStream<T>, args: NexmarkJobArgs, buckets?: BucketAssigner<T>): void {
  if (args.out !== undefined) {
    // Rows are plain objects of numbers and strings: JSON as it is, without the default
    // encoder's replacer for Maps, Sets and bigints (a replacer call per field costs ~3x).
    const sink = FileSink.forRowFormat<T>(args.out, (row) => JSON.stringify(row));
    if (buckets) sink.withBucketAssigner(buckets);
    rows.sinkTo(sink.build()).name('rows').uid('sink');
  } else if (args.print) {
    rows.print().name('rows').uid('sink');
  } else {
    rows.addSink(() => undefined).name('blackhole').uid('sink');
  }
}
