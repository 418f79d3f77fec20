/**
 * WindowJoin, after Flink's example: a stream of grades and a stream of salaries of people,
 * joined by name over tumbling event-time windows; every (grade, salary) pair of a name within
 * one window is a result `(name,grade,salary)`.
 *
 *   npx flink run jobs/window-join.ts [--windowSize MS] [--rate R] [--count N]
 *
 * Both streams come from deterministic generators (generators/grades-salaries.ts): `count`
 * records each (default 100), `rate` per second of event time (default 3); windows are
 * `windowSize` ms (default 2000). Flink's example uses ingestion time; here the timestamps are
 * the generators' own, so the output is the same on every run.
 */
import { DataGeneratorSource, Duration, StreamExecutionEnvironment, TumblingEventTimeWindows, WatermarkStrategy } from 'flink-ts';
import { type Grade, type Salary, grade, salary } from './generators/grades-salaries.js';

function arg(name: string, fallback: string): number {
  const args = process.argv.slice(2);
  const i = args.indexOf(name);
  const v = Number(i >= 0 ? args[i + 1] : fallback);
  if (!Number.isInteger(v) || v <= 0) throw new Error(`${name} must be a positive whole number, got ${args[i + 1]}`);
  return v;
}

const windowSize = arg('--windowSize', '2000');
const rate = arg('--rate', '3');
const count = arg('--count', '100');

const env = StreamExecutionEnvironment.getExecutionEnvironment();

const grades = env
  .fromSource(
    new DataGeneratorSource((i: number) => grade(i, rate), count),
    WatermarkStrategy.forMonotonousTimestamps<Grade>().withTimestampAssigner((g) => g.time),
    'grades',
  )
  .uid('grades');
const salaries = env
  .fromSource(
    new DataGeneratorSource((i: number) => salary(i, rate), count),
    WatermarkStrategy.forMonotonousTimestamps<Salary>().withTimestampAssigner((s) => s.time),
    'salaries',
  )
  .uid('salaries');

grades
  .join(salaries)
  .where((g) => g.name)
  .equalTo((s) => s.name)
  .window(TumblingEventTimeWindows.of(Duration.ofMillis(windowSize)))
  .apply((g: Grade, s: Salary) => `(${g.name},${g.grade},${s.salary})`)
  .uid('join')
  .print();

await env.execute('Windowed Join Example');
