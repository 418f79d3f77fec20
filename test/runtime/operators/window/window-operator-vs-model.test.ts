/*
 * A differential check of the window operator against a direct model of Flink's
 * WindowOperator (processElement / onEventTime / clearAllState with EventTimeTrigger) for
 * tumbling and sliding event-time windows, reduce and list contents, random allowed lateness,
 * random out-of-order elements, watermarks, and snapshot/restore (the watermark restarts at MIN
 * after a restore, as in Flink).
 */
import { seededRandom } from '../../../helpers/seeded-random.js';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Collector, OutputTag } from '../../../../src/graph/index.js';
import { SlidingEventTimeWindows, TumblingEventTimeWindows, type TimeWindow } from '../../../../src/windowing/index.js';
import { Duration } from '../../../../src/util/time.js';
import { apply, reduceWith, windowSpec } from './window-fixtures.js';
import { HarnessUnderModel } from './harness-under-model.js';

type E = [number | string, number]; // [key, value]
const MIN = Number.MIN_SAFE_INTEGER;


interface Model {
  windows(t: number): Array<[number, number]>;
}

class FlinkModel {
  wm = MIN;
  contents = new Map<string, { key: number | string; start: number; end: number; vals: number[] }>();
  timers = new Map<string, { key: number | string; start: number; end: number; time: number }>();
  out: string[] = [];
  late: string[] = [];
  constructor(private readonly m: Model, private readonly lateness: number) {}
  private id(k: unknown, s: number) { return `${typeof k}:${String(k)}|${s}`; }
  private emit(c: { key: number | string; start: number; end: number; vals: number[] }) {
    const sum = c.vals.reduce((a, b) => a + b, 0);
    this.out.push(JSON.stringify([c.key, c.start, sum, c.end - 1]));
  }
  element(k: number | string, v: number, t: number) {
    let skipped = true;
    for (const [start, end] of this.m.windows(t)) {
      const max = end - 1;
      const cleanup = max + this.lateness;
      if (cleanup <= this.wm) continue;
      skipped = false;
      const id = this.id(k, start);
      let c = this.contents.get(id);
      if (!c) this.contents.set(id, (c = { key: k, start, end, vals: [] }));
      c.vals.push(v);
      if (max <= this.wm) this.emit(c);
      else this.timers.set(`${id}|${max}`, { key: k, start, end, time: max });
      this.timers.set(`${id}|${cleanup}`, { key: k, start, end, time: cleanup });
    }
    if (skipped && t + this.lateness <= this.wm) this.late.push(JSON.stringify([k, v, t]));
  }
  watermark(w: number) {
    this.wm = w;
    for (;;) {
      let best: [string, { key: number | string; start: number; end: number; time: number }] | undefined;
      for (const e of this.timers) if (e[1].time <= w && (!best || e[1].time < best[1].time)) best = e;
      if (!best) break;
      this.timers.delete(best[0]);
      const { key, start, end, time } = best[1];
      const id = this.id(key, start);
      const c = this.contents.get(id);
      if (time === end - 1 && c) this.emit(c);
      if (time === end - 1 + this.lateness) {
        this.contents.delete(id);
        this.timers.delete(`${id}|${end - 1}`);
      }
    }
  }
  restore() { this.wm = MIN; }
}

const lateTag = new OutputTag<unknown>('late');

function runCase(seed: number, kind: 'tumbling' | 'sliding', contents: 'reduce' | 'list', backend: 'hashmap' | 'lmdb') {
  const r = seededRandom(seed);
  const size = 1000 * (1 + Math.floor(r() * 3));
  const slide = kind === "sliding" ? [250, 500, 700, 1000, 1500][Math.floor(r() * 5)]! : size;
  const offset = Math.floor(r() * 3) * 100 * (r() < 0.5 ? -1 : 1) % slide;
  const lateness = [0, 0, 500, 1500, 3000][Math.floor(r() * 5)]!;
  const assigner = kind === 'tumbling' ? TumblingEventTimeWindows.of(Duration.ofMillis(size), Duration.ofMillis(offset)) : SlidingEventTimeWindows.of(Duration.ofMillis(size), Duration.ofMillis(slide), Duration.ofMillis(offset));
  const model = new FlinkModel({
    windows: (t) => {
      const res: Array<[number, number]> = [];
      const rem = (t - offset) % slide;
      const last = rem < 0 ? t - (rem + slide) : t - rem;
      for (let s = last; s > t - size; s -= slide) res.push([s, s + size]);
      return res;
    },
  }, lateness);
  const fn = (key: unknown, w: TimeWindow, vals: Iterable<unknown>, out: Collector<unknown>) => {
    let sum = 0;
    for (const v of vals) sum += (v as E)[1];
    out.collect([key, w.start, sum]);
  };
  const spec = windowSpec({
    assigner: assigner as never,
    lateness,
    lateTag,
    contents: contents === 'reduce' ? reduceWith(((a: E, b: E): E => [a[0], a[1] + b[1]]) as never) : undefined,
    fn: contents === 'reduce' ? apply((key: unknown, w: TimeWindow, vals: Iterable<E>, out: Collector<unknown>) => { for (const v of vals) out.collect([key, w.start, v[1]]); }) : apply(fn),
  });
  const h = new HarnessUnderModel(spec, backend, lateTag);
  const keys: Array<number | string> = r() < 0.5 ? [1, 2, 3] : ['a', 'b', 7];
  let wm = 0;
  const log: string[] = [`size=${size} slide=${slide} offset=${offset} lateness=${lateness} ${kind} ${contents}`];
  for (let step = 0; step < 200; step++) {
    const x = r();
    if (x < 0.7) {
      const k = keys[Math.floor(r() * keys.length)]!;
      const t = wm + Math.floor(r() * 4000) - 2500;
      const v = 1 + Math.floor(r() * 9);
      log.push(`e ${String(k)} ${v} @${t}`);
      h.element([k, v], t);
      model.element(k, v, t);
    } else if (x < 0.95) {
      wm += Math.floor(r() * 800);
      log.push(`wm ${wm}`);
      h.watermark(wm);
      model.watermark(wm);
    } else {
      log.push('snapshot/restore');
      h.restoreIntoOtherBackend();
      model.restore();
      wm = Math.max(0, wm - 1000);
    }
    h.drain();
    const sort = (a: string[]) => [...a].sort();
    assert.deepEqual(sort(h.actual), sort(model.out), `seed ${seed}: output differs after\n${log.slice(-25).join('\n')}`);
    assert.deepEqual(sort(h.actualLate), sort(model.late), `seed ${seed}: late output differs after\n${log.slice(-25).join('\n')}`);
  }
  h.watermark(Number.MAX_SAFE_INTEGER);
  model.watermark(Number.MAX_SAFE_INTEGER);
  h.drain();
  assert.deepEqual([...h.actual].sort(), [...model.out].sort(), `seed ${seed}: final output differs\n${log.join('\n')}`);
}

describe('window operator vs a model of Flink WindowOperator (random)', () => {
  for (const kind of ['tumbling', 'sliding'] as const) {
    for (const contents of ['reduce', 'list'] as const) {
      test(`${kind} ${contents}`, () => {
        for (let seed = 1; seed <= 40; seed++) runCase(seed * 7919 + (kind === 'sliding' ? 1 : 0), kind, contents, seed % 2 ? 'hashmap' : 'lmdb');
      });
    }
  }
});
