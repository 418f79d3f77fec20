/**
 * Drives one window operator subtask as Flink's KeyedOneInputStreamOperatorTestHarness does:
 * elements with timestamps, watermarks, a processing-time clock, snapshots and restore, and the
 * output (records with their timestamps, watermarks) and side outputs it produced. Timers are
 * the runtime's own timer service, so they are keyed state in the snapshots too.
 */
import type { OutputTag, StreamNode, WindowOperatorSpec } from '../../../../src/graph/index.js';
import { createWindowOperator } from '../../../../src/runtime/operators/window/create-window-operator.js';
import type { WindowOperator } from '../../../../src/runtime/operators/window/window-operator.js';
import type { Output } from '../../../../src/runtime/output.js';
import { RecordContext } from '../../../../src/runtime/record-context.js';
import { InternalTimerServiceImpl } from '../../../../src/runtime/timers/internal-timer-service-impl.js';
import { StreamingRuntimeContext, type TaskInfo } from '../../../../src/runtime/runtime-context.js';
import { DefaultOperatorStateStore, type KeyedStateBackend, type StateKinds } from '../../../../src/state/index.js';
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

/** What a harness snapshot holds: the keyed state blocks (timers included, as `_timers`). */
export interface HarnessSnapshot {
  readonly blocks: Array<[number, Uint8Array]>;
  readonly kinds: StateKinds;
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
  readonly timers: InternalTimerServiceImpl;
  readonly operator: WindowOperator;
  private readonly slot = new RecordContext();

  constructor(
    spec: WindowOperatorSpec,
    private readonly keySelector: (value: never) => unknown,
    options: HarnessOptions = {},
  ) {
    this.backend = createBackend(options.backend ?? 'hashmap');
    const slot = this.slot;
    this.timers = new InternalTimerServiceImpl(this.backend, this.clock, slot, 'window-uid');
    const restore = options.restore;
    if (restore) {
      restoreChain(this.backend, [{ blocks: restore.blocks, snap: { isDelta: false, kinds: restore.kinds } as never }]);
      this.timers.restore([]);
    }
    const sides = new Map<string, Output<unknown>>();
    for (const tag of options.sideOutputs ?? []) {
      const into: Emitted[] = [];
      this.side.set(tag.id, into);
      sides.set(tag.id, { collect: (value) => void into.push({ value, timestamp: slot.timestamp }), emitWatermark: () => {}, emitWatermarkStatus: () => {} });
    }
    const info: TaskInfo = { jobId: 'test', taskName: 'window (1/1)', subtaskIndex: 0, parallelism: 1, maxParallelism: 128, attemptNumber: 0, checkpointing: false };
    const node = { name: 'window', uid: 'window-uid' as OperatorUid } as StreamNode;
    this.operator = createWindowOperator(
      {
        info,
        node,
        clock: this.clock,
        runtimeContext: new StreamingRuntimeContext(info, this.backend),
        recordContext: slot,
        keyedBackend: this.backend,
        timerService: this.timers,
        operatorStateStore: new DefaultOperatorStateStore(),
        autoWatermarkIntervalMs: 0,
        sideOutput: (tag) => sides.get(tag.id),
      },
      spec,
    );
    this.operator.output = {
      collect: (value) => void this.output.push({ value, timestamp: slot.timestamp }),
      emitWatermark: (time) => void this.output.push({ watermark: time }),
      emitWatermarkStatus: () => {},
    };
    this.operator.sideOutputs = sides;
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
    this.slot.timestamp = MIN_TIMESTAMP;
    this.operator.processWatermark(time);
  }

  setProcessingTime(time: number): void {
    this.clock.set(time);
    this.slot.timestamp = MIN_TIMESTAMP;
    this.operator.advanceProcessingTime(time);
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
    return { blocks: finish(snap), kinds: snap.kinds };
  }

  async close(): Promise<void> {
    await this.operator.close();
  }
}
