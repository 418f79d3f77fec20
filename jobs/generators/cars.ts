/**
 * The car data of the TopSpeedWindowing example (Flink's CarGeneratorFunction, made
 * deterministic and replayable), shared by the job and its test.
 */
/** (carId, speed in km/h, distance in m, timestamp in ms), Flink's Tuple4. */
export type CarReport = [carId: number, speed: number, distance: number, timestamp: number];

/** Event time of the first report; reports are 100 ms apart. */
export const BASE_TIME = Date.UTC(2024, 0, 1);

/** The coin flip of `car`'s `step`-th report: speed up or down. */
function speedsUp(car: number, step: number): boolean {
  let x = Math.imul((car * 0x9e3779b1) ^ step, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  return ((x ^ (x >>> 16)) & 1) === 1;
}

/**
 * Report `i` of `cars` cars (car i % cars, its report i / cars), as Flink's CarGeneratorFunction
 * makes it but replayable: each car's state is computed forward from the last report asked for
 * (from the start after a restore), so a run in order costs one step per report.
 */
export function carGenerator(cars: number): (i: number) => CarReport {
  const last = new Map<number, { step: number; speed: number; distance: number }>();
  return (i) => {
    const car = i % cars;
    const step = Math.floor(i / cars);
    let s = last.get(car);
    if (s === undefined || s.step >= step) s = { step: -1, speed: 50, distance: 0 };
    while (s.step < step) {
      s.step++;
      s.speed = speedsUp(car, s.step) ? Math.min(100, s.speed + 5) : Math.max(0, s.speed - 5);
      s.distance += s.speed / 3.6;
    }
    last.set(car, s);
    return [car, s.speed, s.distance, BASE_TIME + i * 100];
  };
}
