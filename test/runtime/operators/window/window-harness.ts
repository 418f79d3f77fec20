/**
 * Drives one window operator subtask as Flink's KeyedOneInputStreamOperatorTestHarness does:
 * elements with timestamps, watermarks, a processing-time clock, snapshots and restore, and the
 * output (records with their timestamps, watermarks) and side outputs it produced.
 */
import type { OutputTag, StreamNode, WindowOperatorSpec } from '../../../../src/graph/index.js';
import { createWindowOperator } from '../../../../src/runtime/operators/window/create-window-operator.js';
import type { WindowOperator } from '../../../../src/runtime/operators/window/window-operator.js';
import type { InternalTimer, WindowOperatorServices, WindowTimerService } from '../../../../src/runtime/operators/window/window-services.js';
import type { Output } from '../../../../src/runtime/output.js';
import { StreamingRuntimeContext, type TaskInfo } from '../../../../src/runtime/runtime-context.js';
import { DefaultOperatorStateStore, type KeyedStateBackend, type Namespace, type StateKinds, mapKey } from '../../../../src/state/index.js';
import { ManualClock } from '../../../../src/util/clock.js';
import type { OperatorUid } from '../../../../src/util/ids.js';
import { MIN_TIMESTAMP } from '../../../../src/util/time.js';
import { type BackendType, createBackend, finish, restoreChain } from '../../../state/backends.js';

export interface Emitted {
  readonly value: unknown;
  readonly timestamp: number;
}
export type OutputElement = Emitted | { readonly watermark: number };

export function record(value: unknown, timestamp: number): Emitted {
  return { value, timestamp };
}
export function watermark(time: number): OutputElement {
  return { watermark: time };
}

type Domain = 'event' | 'processing';
interface FakeTimer extends InternalTimer {
  readonly domain: Domain;
  readonly keyGroup: number;
  readonly seq: number;
}

/** What a harness snapshot holds: keyed state blocks and timers. */
export interface HarnessSnapshot {
  readonly blocks: Array<[number, Uint8Array]>;
  readonly kinds: StateKinds;
  readonly timers: readonly FakeTimer[];
}

/**
 * Timers of one operator by key, namespace, time and domain (at most one of each), fired in time
 * order (registration order on ties) with their key set. Stands in for the runtime's timer
 * service in operator tests.
 */
class TestTimerService implements WindowTimerService {
  watermark = MIN_TIMESTAMP;
  private readonly timers = new Map<string, FakeTimer>();
  private seq = 0;

  constructor(
    private readonly backend: KeyedStateBackend,
    private readonly clock: ManualClock,
  ) {}

  currentProcessingTime(): number {
    return this.clock.now();
  }
  currentWatermark(): number {
    return this.watermark;
  }
  registerEventTimeTimer(ns: Namespace, time: number): void {
    this.register('event', ns, time);
  }
  deleteEventTimeTimer(ns: Namespace, time: number): void {
    this.timers.delete(this.id('event', this.backend.getCurrentKey(), ns, time));
  }
  registerProcessingTimeTimer(ns: Namespace, time: number): void {
    this.register('processing', ns, time);
  }
  deleteProcessingTimeTimer(ns: Namespace, time: number): void {
    this.timers.delete(this.id('processing', this.backend.getCurrentKey(), ns, time));
  }

  restore(timers: readonly FakeTimer[]): void {
    for (const t of timers) this.timers.set(this.id(t.domain, t.key, t.namespace, t.timestamp), { ...t, seq: this.seq++ });
  }

  all(): FakeTimer[] {
    return [...this.timers.values()];
  }

  count(domain: Domain): number {
    return this.all().filter((t) => t.domain === domain).length;
  }

  /** Fires, earliest first, every timer of `domain` due at `upTo`, including ones registered while firing. */
  advance(domain: Domain, upTo: number, fire: (t: FakeTimer) => void): void {
    for (;;) {
      let next: FakeTimer | undefined;
      for (const t of this.timers.values()) {
        if (t.domain === domain && t.timestamp <= upTo && (!next || t.timestamp < next.timestamp || (t.timestamp === next.timestamp && t.seq < next.seq))) next = t;
      }
      if (!next) return;
      this.timers.delete(this.id(domain, next.key, next.namespace, next.timestamp));
      this.backend.setCurrentKey(next.key, next.keyGroup);
      fire(next);
    }
  }

  private register(domain: Domain, namespace: Namespace, timestamp: number): void {
    const key = this.backend.getCurrentKey();
    const id = this.id(domain, key, namespace, timestamp);
    if (this.timers.has(id)) return;
    this.timers.set(id, { domain, key, keyGroup: this.backend.currentKeyGroup, namespace, timestamp, seq: this.seq++ });
  }

  private id(domain: Domain, key: unknown, ns: Namespace, time: number): string {
    return `${domain}|${JSON.stringify(mapKey(key))}|${typeof ns}:${ns}|${time}`;
  }
}

export interface HarnessOptions {
  readonly backend?: BackendType;
  readonly restore?: HarnessSnapshot;
  /** Reads side output tags; others are dropped. */
  readonly sideOutputs?: readonly OutputTag<unknown>[];
}

export class WindowHarness {
  readonly output: OutputElement[] = [];
  private readonly side = new Map<string, Emitted[]>();
  readonly clock = new ManualClock(0);
  readonly backend: KeyedStateBackend;
  readonly timers: TestTimerService;
  readonly operator: WindowOperator;
  private readonly slot = { timestamp: MIN_TIMESTAMP };

  constructor(
    spec: WindowOperatorSpec,
    private readonly keySelector: (value: never) => unknown,
    options: HarnessOptions = {},
  ) {
    this.backend = createBackend(options.backend ?? 'hashmap');
    this.timers = new TestTimerService(this.backend, this.clock);
    const restore = options.restore;
    if (restore) {
      restoreChain(this.backend, [{ blocks: restore.blocks, snap: { isDelta: false, kinds: restore.kinds } as never }]);
      this.timers.restore(restore.timers);
    }
    for (const tag of options.sideOutputs ?? []) this.side.set(tag.id, []);
    const slot = this.slot;
    const services: WindowOperatorServices = {
      timerService: this.timers,
      recordContext: slot,
      sideOutput: (tag) => {
        const into = this.side.get(tag.id);
        return into && { collect: (value: unknown) => void into.push({ value, timestamp: slot.timestamp }) };
      },
    };
    const info: TaskInfo = { jobId: 'test', taskName: 'window (1/1)', subtaskIndex: 0, parallelism: 1, maxParallelism: 128, attemptNumber: 0, checkpointing: false };
    const node = { name: 'window', uid: 'window-uid' as OperatorUid } as StreamNode;
    this.operator = createWindowOperator(
      {
        info,
        node,
        clock: this.clock,
        runtimeContext: new StreamingRuntimeContext(info, this.backend),
        keyedBackend: this.backend,
        timerService: undefined,
        operatorStateStore: new DefaultOperatorStateStore(),
      },
      spec,
      services,
    );
    const out: Output<unknown> = { collect: (value) => void this.output.push({ value, timestamp: slot.timestamp }) };
    this.operator.output = out;
  }

  async open(): Promise<this> {
    await this.operator.open();
    return this;
  }

  /** One element; `timestamp` undefined: none. */
  processElement(value: unknown, timestamp?: number): void {
    this.backend.setCurrentKey(this.keySelector(value as never));
    this.slot.timestamp = timestamp ?? MIN_TIMESTAMP;
    this.operator.collect(value);
  }

  processWatermark(time: number): void {
    this.timers.watermark = time;
    this.timers.advance('event', time, (t) => {
      this.slot.timestamp = t.timestamp;
      this.operator.onEventTime(t);
    });
    this.output.push({ watermark: time });
  }

  setProcessingTime(time: number): void {
    this.clock.set(time);
    this.timers.advance('processing', time, (t) => {
      this.slot.timestamp = MIN_TIMESTAMP;
      this.operator.onProcessingTime(t);
    });
  }

  sideOutput(tag: OutputTag<unknown>): Emitted[] {
    return this.side.get(tag.id) ?? [];
  }

  /** The records emitted so far (without watermarks). */
  records(): Emitted[] {
    return this.output.filter((e): e is Emitted => 'value' in e);
  }

  snapshot(): HarnessSnapshot {
    const snap = this.backend.snapshot(1, { full: true });
    return { blocks: finish(snap), kinds: snap.kinds, timers: this.timers.all() };
  }

  async close(): Promise<void> {
    await this.operator.close();
  }
}
