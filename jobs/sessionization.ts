/**
 * Sessionization: clicks of users, grouped into sessions by event time — a session ends after
 * 30 minutes without a click — and summarised per session (clicks, distinct pages, the page
 * clicked most) as the watermark passes its end.
 *
 *   npx flink run jobs/sessionization.ts [--users N] [--count N|inf] [--rate R|max] [--output DIR]
 *
 * Clicks come from a deterministic generator (generators/clicks.ts): user `i % users` makes
 * click `i`; each user clicks in sessions of 8 clicks about 20 s apart (a few seconds of
 * jitter, so clicks arrive out of order), with 40 minutes between sessions. Timestamps and
 * watermarks are assigned at the source per split (bounded out-of-orderness of 2 minutes);
 * sessions are event-time session windows with an incremental aggregate (one accumulator per
 * user and session, merged when a click bridges two sessions) and a ProcessWindowFunction that
 * adds the user and the session's bounds. Clicks too late for their session are printed to
 * stderr. Results are JSON lines, printed or (with `--output`) written to part files.
 */
import { DataGeneratorSource, Duration, EventTimeSessionWindows, FileSink, OutputTag, StreamExecutionEnvironment, WatermarkStrategy } from 'flink-ts';
import { type Click, SESSION_GAP, type Session, SessionSummary, click, countPages } from './generators/clicks.js';

function arg(name: string, fallback: string | undefined): string | undefined {
  const args = process.argv.slice(2);
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
}

const users = Number(arg('--users', '100'));
const count = arg('--count', '200000')!;
const rate = arg('--rate', 'max')!;
const output = arg('--output', undefined);

const env = StreamExecutionEnvironment.getExecutionEnvironment();
const lateClicks = new OutputTag<Click>('late-clicks');

const sessions = env
  .fromSource(
    new DataGeneratorSource((i: number) => click(i, users), count === 'inf' ? Infinity : Number(count), rate === 'max' ? {} : { recordsPerSecond: Number(rate) }),
    WatermarkStrategy.forBoundedOutOfOrderness<Click>(Duration.ofMinutes(2)).withTimestampAssigner((c) => c.time),
    'clicks',
  )
  .uid('clicks')
  .keyBy((c) => c.user)
  .window(EventTimeSessionWindows.withGap(SESSION_GAP))
  .sideOutputLateData(lateClicks)
  .aggregate(countPages, new SessionSummary())
  .name('sessions')
  .uid('sessions');

sessions.getSideOutput(lateClicks).printToErr('late');
if (output !== undefined) sessions.sinkTo(FileSink.forRowFormat<Session>(output).build()).name('sessions-sink').uid('sink');
else sessions.print();

await env.execute('sessionization');
