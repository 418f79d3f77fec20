/*
 * A differential check of the interval join against a direct model of Flink's
 * IntervalJoinOperator (isLate = ts < watermark, buffers per timestamp, cleanup timers at
 * ts + upper / ts - lower, the operator watermark = min of both inputs), random bounds
 * (positive, negative, mixed, exclusive), random elements and watermarks, snapshot/restore.
 */
import { seededRandom } from '../../helpers/seeded-random.js';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Collector, type IntervalJoinSpec, OutputTag, ProcessJoinFunction, type ProcessJoinContext } from '../../../src/graph/index.js';
import { TwoInputHarness } from './two-input-harness.js';

const MIN = Number.MIN_SAFE_INTEGER;
type El = { k: string; id: number };


class Fn extends ProcessJoinFunction<El, El, string> {
  processElement(l: El, r: El, ctx: ProcessJoinContext, out: Collector<string>): void {
    out.collect(`${l.id},${r.id},${ctx.getLeftTimestamp()},${ctx.getRightTimestamp()},${ctx.getTimestamp()}`);
  }
}

class Model {
  wm1 = MIN; wm2 = MIN; wm = MIN;
  left = new Map<string, Array<{ el: El; ts: number }>>();
  right = new Map<string, Array<{ el: El; ts: number }>>();
  timers: Array<{ side: 'L' | 'R'; k: string; time: number }> = [];
  out: string[] = [];
  late: string[] = [];
  constructor(private lo: number, private hi: number) {}
  el(side: 'L' | 'R', el: El, ts: number) {
    if (this.wm !== MIN && ts < this.wm) { this.late.push(`${side}${el.id}@${ts}`); return; }
    const ours = side === 'L' ? this.left : this.right;
    const other = side === 'L' ? this.right : this.left;
    (ours.get(el.k) ?? ours.set(el.k, []).get(el.k)!).push({ el, ts });
    const rl = side === 'L' ? this.lo : -this.hi;
    const ru = side === 'L' ? this.hi : -this.lo;
    for (const o of other.get(el.k) ?? []) {
      if (o.ts < ts + rl || o.ts > ts + ru) continue;
      const [l, r, lt, rt] = side === 'L' ? [el, o.el, ts, o.ts] : [o.el, el, o.ts, ts];
      this.out.push(`${l.id},${r.id},${lt},${rt},${Math.max(lt, rt)}@${Math.max(lt, rt)}`);
    }
    const cleanup = ru > 0 ? ts + ru : ts;
    if (!this.timers.some((t) => t.side === side && t.k === el.k && t.time === cleanup)) this.timers.push({ side, k: el.k, time: cleanup });
  }
  watermark(i: 1 | 2, w: number) {
    if (i === 1) this.wm1 = Math.max(this.wm1, w); else this.wm2 = Math.max(this.wm2, w);
    const m = Math.min(this.wm1, this.wm2);
    if (m <= this.wm) return;
    this.wm = m;
    const due = this.timers.filter((t) => t.time <= m);
    this.timers = this.timers.filter((t) => t.time > m);
    for (const t of due) {
      if (t.side === 'L') {
        const ts = this.hi <= 0 ? t.time : t.time - this.hi;
        this.left.set(t.k, (this.left.get(t.k) ?? []).filter((e) => e.ts !== ts));
      } else {
        const ts = this.lo <= 0 ? t.time + this.lo : t.time;
        this.right.set(t.k, (this.right.get(t.k) ?? []).filter((e) => e.ts !== ts));
      }
    }
  }
  restore() { this.wm1 = this.wm2 = this.wm = MIN; }
}

const LT = new OutputTag<El>('l-late');
const RT = new OutputTag<El>('r-late');

function runCase(seed: number) {
  const r = seededRandom(seed);
  let lo = Math.floor(r() * 2000) - 1000;
  let hi = lo + Math.floor(r() * 1500);
  const spec: { kind: 'intervalJoin' } & IntervalJoinSpec = { kind: 'intervalJoin', fn: new Fn() as never, lowerBound: lo, upperBound: hi, leftLateTag: LT as never, rightLateTag: RT as never };
  const model = new Model(lo, hi);
  const key = (e: El) => e.k;
  let h = new TwoInputHarness(spec, key as never, key as never, { sideOutputs: [LT as never, RT as never] });
  void h.open();
  const actual: string[] = [];
  const actualLate: string[] = [];
  let c = 0, cl = 0, cr = 0;
  const drain = () => {
    for (const e of h.output.slice(c)) if ('value' in e) actual.push(`${String(e.value)}@${e.timestamp}`);
    c = h.output.length;
    const ls = h.sideOutput(LT as never), rs = h.sideOutput(RT as never);
    for (const e of ls.slice(cl)) actualLate.push(`L${(e.value as El).id}@${e.timestamp}`);
    for (const e of rs.slice(cr)) actualLate.push(`R${(e.value as El).id}@${e.timestamp}`);
    cl = ls.length; cr = rs.length;
  };
  let wm1 = 0, wm2 = 0, id = 0;
  const log = [`lo=${lo} hi=${hi}`];
  for (let step = 0; step < 200; step++) {
    const x = r();
    const k = r() < 0.5 ? 'a' : 'b';
    if (x < 0.35) {
      const ts = wm1 + Math.floor(r() * 3000) - 1500; const el = { k, id: id++ };
      log.push(`L ${el.id} ${k} @${ts}`); h.processElement1(el, ts); model.el('L', el, ts);
    } else if (x < 0.7) {
      const ts = wm2 + Math.floor(r() * 3000) - 1500; const el = { k, id: id++ };
      log.push(`R ${el.id} ${k} @${ts}`); h.processElement2(el, ts); model.el('R', el, ts);
    } else if (x < 0.83) {
      wm1 += Math.floor(r() * 700); log.push(`wm1 ${wm1}`); h.processWatermark1(wm1); model.watermark(1, wm1);
    } else if (x < 0.96) {
      wm2 += Math.floor(r() * 700); log.push(`wm2 ${wm2}`); h.processWatermark2(wm2); model.watermark(2, wm2);
    } else {
      log.push('snapshot/restore'); drain();
      const snap = h.snapshot();
      c = cl = cr = 0;
      h = new TwoInputHarness(spec, key as never, key as never, { backend: step % 2 ? 'lmdb' : 'hashmap', restore: snap, sideOutputs: [LT as never, RT as never] });
      void h.open();
      model.restore();
    }
    drain();
    assert.deepEqual([...actual].sort(), [...model.out].sort(), `seed ${seed}\n${log.slice(-30).join('\n')}`);
    assert.deepEqual([...actualLate].sort(), [...model.late].sort(), `seed ${seed} late\n${log.slice(-30).join('\n')}`);
  }
}

describe('interval join vs a model of Flink IntervalJoinOperator (random)', () => {
  test('random bounds, elements, watermarks, restores', () => {
    for (let seed = 1; seed <= 150; seed++) runCase(seed * 6151);
  });
});
