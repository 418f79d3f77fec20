/**
 * The window operator's side of the random differential tests against models of Flink's
 * operators (window-operator-vs-model, session-windows-vs-model): a harness fed `[key, value]`
 * elements, its main and late output collected as JSON lines `[...value, timestamp]`, and
 * snapshot/restore into the other backend mid-run (the watermark restarts, as in Flink).
 */
import { WindowHarness } from './window-harness.js';
import type { OutputTag, WindowOperatorSpec } from '../../../../src/graph/index.js';

export type Element = [number | string, number];
export type Backend = 'hashmap' | 'lmdb';

const keyOf = (e: Element) => e[0];

export class HarnessUnderModel {
  readonly actual: string[] = [];
  readonly actualLate: string[] = [];
  private harness: WindowHarness;
  private consumed = 0;
  private lateConsumed = 0;

  constructor(
    private readonly spec: WindowOperatorSpec,
    private backend: Backend,
    private readonly lateTag: OutputTag<unknown>,
  ) {
    this.harness = this.open();
  }

  element(e: Element, t: number): void {
    this.harness.processElement(e, t);
  }

  watermark(wm: number): void {
    this.harness.processWatermark(wm);
  }

  /** Takes a snapshot and restores it into the other backend. */
  restoreIntoOtherBackend(): void {
    this.drain();
    const snap = this.harness.snapshot();
    this.consumed = 0;
    this.lateConsumed = 0;
    this.backend = this.backend === 'hashmap' ? 'lmdb' : 'hashmap';
    this.harness = this.open(snap);
  }

  /** Moves what the harness emitted since the last drain into {@link actual} and {@link actualLate}. */
  drain(): void {
    const h = this.harness;
    for (const e of h.output.slice(this.consumed)) if ('value' in e) this.actual.push(JSON.stringify([...(e.value as unknown[]), e.timestamp]));
    this.consumed = h.output.length;
    const side = h.sideOutput(this.lateTag);
    for (const e of side.slice(this.lateConsumed)) this.actualLate.push(JSON.stringify([...(e.value as Element), e.timestamp]));
    this.lateConsumed = side.length;
  }

  private open(restore?: ReturnType<WindowHarness['snapshot']>): WindowHarness {
    const h = new WindowHarness(this.spec, keyOf as never, { backend: this.backend, sideOutputs: [this.lateTag], ...(restore ? { restore } : {}) });
    void h.open();
    return h;
  }
}
