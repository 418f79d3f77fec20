/*
 * A differential check of session windows (EventTimeSessionWindows, EventTimeTrigger,
 * allowed lateness, late side output, snapshot/restore into the other backend) against a direct
 * model of Flink's WindowOperator + MergingWindowSet semantics.
 */
import { seededRandom } from '../../../helpers/seeded-random.js';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Collector, OutputTag } from '../../../../src/graph/index.js';
import { EventTimeSessionWindows, type TimeWindow } from '../../../../src/windowing/index.js';
import { Duration } from '../../../../src/util/time.js';
import { apply, reduceWith, windowSpec } from './window-fixtures.js';
import { HarnessUnderModel } from './harness-under-model.js';

type E = [number | string, number];
const MIN = Number.MIN_SAFE_INTEGER;


interface W { start: number; end: number; vals: number[] }

class SessionModel {
  wm = MIN;
  sessions = new Map<string, W[]>(); // per key, in-flight windows with their contents
  timers = new Map<string, { key: number | string; start: number; end: number; time: number }>();
  out: string[] = [];
  late: string[] = [];
  constructor(private readonly gap: number, private readonly lateness: number) {}
  private kid(k: unknown) { return `${typeof k}:${String(k)}`; }
  private tid(k: unknown, s: number, e: number, t: number) { return `${this.kid(k)}|${s}:${e}|${t}`; }
  private emit(k: number | string, w: W) {
    this.out.push(JSON.stringify([k, w.start, w.end, w.vals.reduce((a, b) => a + b, 0), w.end - 1]));
  }
  element(k: number | string, v: number, t: number) {
    const list = this.sessions.get(this.kid(k)) ?? [];
    let win: W = { start: t, end: t + this.gap, vals: [] };
    const overlapping = list.filter((w) => w.start <= win.end && w.end >= win.start);
    const rest = list.filter((w) => !overlapping.includes(w));
    let merged: W = win;
    if (overlapping.length > 0) {
      merged = { start: Math.min(win.start, ...overlapping.map((w) => w.start)), end: Math.max(win.end, ...overlapping.map((w) => w.end)), vals: overlapping.flatMap((w) => w.vals) };
      // trigger: onMerge registers the merged end timer if not passed; merged windows' timers deleted
      const oldOnly = overlapping.length === 1 && overlapping[0]!.start === merged.start && overlapping[0]!.end === merged.end;
      if (!oldOnly) {
        if (merged.end - 1 > this.wm) this.timers.set(this.tid(k, merged.start, merged.end, merged.end - 1), { key: k, start: merged.start, end: merged.end, time: merged.end - 1 });
        for (const w of overlapping) {
          this.timers.delete(this.tid(k, w.start, w.end, w.end - 1));
          this.timers.delete(this.tid(k, w.start, w.end, w.end - 1 + this.lateness));
        }
      } else merged = overlapping[0]!;
    }
    win = merged;
    const cleanup = win.end - 1 + this.lateness;
    if (cleanup <= this.wm) {
      // late: retire
      this.sessions.set(this.kid(k), rest);
      if (t + this.lateness <= this.wm) this.late.push(JSON.stringify([k, v, t]));
      return;
    }
    win.vals.push(v);
    this.sessions.set(this.kid(k), [...rest, win]);
    if (win.end - 1 <= this.wm) this.emit(k, win);
    else this.timers.set(this.tid(k, win.start, win.end, win.end - 1), { key: k, start: win.start, end: win.end, time: win.end - 1 });
    this.timers.set(this.tid(k, win.start, win.end, cleanup), { key: k, start: win.start, end: win.end, time: cleanup });
  }
  watermark(w: number) {
    this.wm = w;
    for (;;) {
      let best: [string, { key: number | string; start: number; end: number; time: number }] | undefined;
      for (const e of this.timers) if (e[1].time <= w && (!best || e[1].time < best[1].time)) best = e;
      if (!best) break;
      this.timers.delete(best[0]);
      const { key, start, end, time } = best[1];
      const list = this.sessions.get(this.kid(key)) ?? [];
      const win = list.find((x) => x.start === start && x.end === end);
      if (!win) continue;
      if (time === end - 1) this.emit(key, win);
      if (time === end - 1 + this.lateness) {
        this.sessions.set(this.kid(key), list.filter((x) => x !== win));
        this.timers.delete(this.tid(key, start, end, end - 1));
      }
    }
  }
  restore() { this.wm = MIN; }
}

const lateTag = new OutputTag<unknown>('late');

function runCase(seed: number, contents: 'reduce' | 'list') {
  const r = seededRandom(seed);
  const gap = [300, 1000, 2000][Math.floor(r() * 3)]!;
  const lateness = [0, 0, 500, 1500, 3000][Math.floor(r() * 5)]!;
  const model = new SessionModel(gap, lateness);
  const spec = windowSpec({
    assigner: EventTimeSessionWindows.withGap(Duration.ofMillis(gap)) as never,
    lateness,
    lateTag,
    contents: contents === 'reduce' ? reduceWith(((a: E, b: E): E => [a[0], a[1] + b[1]]) as never) : undefined,
    fn: apply((key: unknown, w: TimeWindow, vals: Iterable<E>, out: Collector<unknown>) => {
      let sum = 0;
      for (const v of vals) sum += v[1];
      out.collect([key, w.start, w.end, sum]);
    }),
  });
  const h = new HarnessUnderModel(spec, seed % 2 ? 'hashmap' : 'lmdb', lateTag);
  const keys: Array<number | string> = r() < 0.5 ? [1, 2] : ['a', 'b'];
  let wm = 0;
  const log: string[] = [`gap=${gap} lateness=${lateness} ${contents}`];
  for (let step = 0; step < 150; step++) {
    const x = r();
    if (x < 0.7) {
      const k = keys[Math.floor(r() * keys.length)]!;
      const t = wm + Math.floor(r() * 4000) - 2500;
      const v = 1 + Math.floor(r() * 9);
      log.push(`e ${String(k)} ${v} @${t}`);
      let err: unknown;
      try { h.element([k, v], t); } catch (e) { err = e; }
      model.element(k, v, t);
      if (err) throw new Error(`seed ${seed}: threw ${String(err)}\n${log.slice(-25).join('\n')}`);
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
    assert.deepEqual(sort(h.actual), sort(model.out), `seed ${seed}: output differs after\n${log.slice(-30).join('\n')}`);
    assert.deepEqual(sort(h.actualLate), sort(model.late), `seed ${seed}: late output differs after\n${log.slice(-30).join('\n')}`);
  }
}

describe('session windows vs a model of Flink WindowOperator + MergingWindowSet (random)', () => {
  for (const contents of ['reduce', 'list'] as const) {
    test(`sessions ${contents}`, () => {
      for (let seed = 1; seed <= 60; seed++) runCase(seed * 104729, contents);
    });
  }
});
