/**
 * What the keyed operator harnesses share (Flink's AbstractStreamOperatorTestHarness): a state
 * backend (restored from a harness snapshot if given), the runtime's timer service on a manual
 * clock, the task's timestamp slot, the operator context, and the output and side outputs the
 * operator produced (records with their timestamps, watermarks).
 */
import type { OutputTag, StreamNode } from '../../../src/graph/index.js';
import type { OperatorContext, StreamOperator } from '../../../src/runtime/operators/stream-operator.js';
import type { Output } from '../../../src/runtime/output.js';
import { RecordContext } from '../../../src/runtime/record-context.js';
import { StreamingRuntimeContext, type TaskInfo } from '../../../src/runtime/runtime-context.js';
import { InternalTimerServiceImpl } from '../../../src/runtime/timers/internal-timer-service-impl.js';
import { DefaultOperatorStateStore, type KeyedStateBackend, type StateKinds } from '../../../src/state/index.js';
import { decodeStateFile, encodeStateFile, type OperatorLists } from '../../../src/state/snapshot-format/state-file.js';
import { ManualClock } from '../../../src/util/clock.js';
import type { OperatorUid } from '../../../src/util/ids.js';
import { MIN_TIMESTAMP } from '../../../src/util/time.js';
import { type BackendType, createBackend, finish, restoreChain } from '../../state/backends.js';

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

/**
 * What a harness snapshot holds: the keyed state blocks (timers included, as `_timers`) and the
 * operator lists (broadcast state included), as read back from a state file.
 */
export interface HarnessSnapshot {
  readonly blocks: Array<[number, Uint8Array]>;
  readonly kinds: StateKinds;
  readonly lists?: OperatorLists;
}

export interface HarnessOptions {
  readonly backend?: BackendType;
  readonly restore?: HarnessSnapshot;
  /** Reads side output tags; others are dropped. */
  readonly sideOutputs?: readonly OutputTag<unknown>[];
}

export abstract class KeyedOperatorHarness {
  /** The operator under test, built by the subclass from {@link context}. */
  abstract readonly operator: StreamOperator;
  readonly output: OutputElement[] = [];
  private readonly side = new Map<string, Emitted[]>();
  private readonly sides = new Map<string, Output<unknown>>();
  readonly clock = new ManualClock(0);
  readonly backend: KeyedStateBackend;
  readonly timers: InternalTimerServiceImpl;
  protected readonly slot = new RecordContext();
  /** The context to build the operator with. */
  protected readonly context: OperatorContext;

  protected constructor(name: string, options: HarnessOptions) {
    this.backend = createBackend(options.backend ?? 'hashmap');
    const slot = this.slot;
    const uid = `${name}-uid` as OperatorUid;
    this.timers = new InternalTimerServiceImpl(this.backend, this.clock, slot, uid);
    const restore = options.restore;
    if (restore) {
      restoreChain(this.backend, [{ blocks: restore.blocks, snap: { isDelta: false, kinds: restore.kinds } as never }]);
      this.timers.restore([]);
    }
    for (const tag of options.sideOutputs ?? []) {
      const into: Emitted[] = [];
      this.side.set(tag.id, into);
      this.sides.set(tag.id, { collect: (value) => void into.push({ value, timestamp: slot.timestamp }), emitWatermark: () => {}, emitWatermarkStatus: () => {} });
    }
    const info: TaskInfo = { jobId: 'test', taskName: `${name} (1/1)`, subtaskIndex: 0, parallelism: 1, maxParallelism: 128, attemptNumber: 0, checkpointing: false };
    this.context = {
      info,
      node: { name, uid } as StreamNode,
      clock: this.clock,
      runtimeContext: new StreamingRuntimeContext(info, this.backend),
      recordContext: slot,
      keyedBackend: this.backend,
      timerService: this.timers,
      operatorStateStore: new DefaultOperatorStateStore(restore?.lists),
      autoWatermarkIntervalMs: 0,
      sideOutput: (tag) => this.sides.get(tag.id),
    };
  }

  async open(): Promise<this> {
    await this.operator.open();
    return this;
  }

  async close(): Promise<void> {
    await this.operator.close();
  }

  /** Makes `key` current and `timestamp` (undefined: none) the timestamp of what comes next. */
  protected enter(key: unknown, timestamp: number | undefined): void {
    this.backend.setCurrentKey(key);
    this.slot.timestamp = timestamp ?? MIN_TIMESTAMP;
  }

  /** Points the operator's outputs at this harness. */
  protected attach(operator: StreamOperator): void {
    const slot = this.slot;
    operator.output = {
      collect: (value) => void this.output.push({ value, timestamp: slot.timestamp }),
      emitWatermark: (time) => void this.output.push({ watermark: time }),
      emitWatermarkStatus: () => {},
    };
    operator.sideOutputs = this.sides;
  }

  sideOutput(tag: OutputTag<unknown>): Emitted[] {
    return this.side.get(tag.id) ?? [];
  }

  /** The records emitted so far (without watermarks). */
  records(): Emitted[] {
    return this.output.filter((e): e is Emitted => 'value' in e);
  }

  /**
   * The operator's synchronous cut, as a task takes it (the operator's own hook first, then keyed
   * state); its operator lists go through a state file and back, as a restore reads them.
   */
  snapshot(): HarnessSnapshot {
    const cut = this.operator.snapshotState(1, 0, { isSavepoint: false, full: true, aligned: true });
    const snap = cut.keyed!;
    const file = Buffer.concat(encodeStateFile({ uid: cut.uid, subtask: 0, kinds: {}, keyGroups: [], delta: false, lists: cut.lists.bytes() }));
    const { lists } = decodeStateFile(file, { file: 'harness', uid: cut.uid, subtask: 0, keyGroupRange: undefined });
    return { blocks: finish(snap), kinds: snap.kinds, lists };
  }
}
