/**
 * Flink's TopSpeedWindowing: cars report their speed and the distance they have driven; every
 * time a car has driven another 50 meters, the top speed of its last 10 seconds is emitted —
 * a global window per car with a DeltaTrigger (fire every 50 m), a TimeEvictor (keep 10 s) and
 * maxBy(speed).
 *
 *   npx flink run jobs/top-speed-windowing.ts [--cars N] [--count N|inf] [--rate R|max]
 *
 * Printed: `(carId,speed,distance,timestamp)` tuples, as Flink prints them. The car data comes
 * from Flink's generator, made deterministic: a car's speed goes up or down by 5 km/h per
 * report (0 to 100, from 50) by a coin flip seeded by the car and report, the distance grows by
 * speed / 3.6 m per report, and reports are 100 ms apart in event time (default 2 cars,
 * endless, 10 reports per second as in Flink; `--count` and `--rate max` for a quick run).
 */
import {
  DataGeneratorSource,
  DeltaTrigger,
  Duration,
  GlobalWindows,
  StreamExecutionEnvironment,
  TimeEvictor,
  WatermarkStrategy,
} from 'flink-ts';
import { type CarReport, carGenerator } from './generators/cars.js';

function arg(name: string, fallback: string): string {
  const args = process.argv.slice(2);
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
}

const EVICTION = Duration.ofSeconds(10);
const TRIGGER_METERS = 50;

const cars = Number(arg('--cars', '2'));
const count = arg('--count', 'inf');
const rate = arg('--rate', '10');

const env = StreamExecutionEnvironment.getExecutionEnvironment();
const carData = env
  .fromSource(
    new DataGeneratorSource(carGenerator(cars), count === 'inf' ? Infinity : Number(count), rate === 'max' ? {} : { recordsPerSecond: Number(rate) }),
    WatermarkStrategy.noWatermarks(),
    'Car data generator source',
  )
  .setParallelism(1)
  .uid('cars');

carData
  .assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<CarReport>().withTimestampAssigner((car) => car[3]))
  // Chained to the source, so each car's reports reach its window in order whatever the
  // parallelism (the trigger and the evictor depend on that order).
  .setParallelism(1)
  .uid('timestamps')
  .keyBy((car) => car[0])
  .window(GlobalWindows.create())
  .evictor(TimeEvictor.of(EVICTION))
  .trigger(DeltaTrigger.of(TRIGGER_METERS, (oldPoint: CarReport, newPoint: CarReport) => newPoint[2] - oldPoint[2]))
  .maxBy(1)
  .uid('top-speed')
  .map((car) => `(${car.join(',')})`)
  .print();

await env.execute('CarTopSpeedWindowingExample');
