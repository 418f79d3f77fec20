/**
 * Writing non-keyed state into a new savepoint (Flink's State Processor API): operator list and
 * union list state through a {@link StateBootstrapFunction}, broadcast state through a
 * {@link BroadcastStateBootstrapFunction}. The runtime runs them; `state-processor/` writes the
 * savepoint from what their subtasks hand on at the end of their input.
 */
import type { BroadcastState, MapStateDescriptor } from '../state/index.js';
import { AbstractRichFunction, type CheckpointedFunction, type FunctionInitializationContext, type FunctionSnapshotContext } from './functions.js';

/** What `processElement` of a {@link StateBootstrapFunction} can ask. */
export interface StateBootstrapContext {
  /** The writing job's processing time, in ms. */
  currentProcessingTime(): number;
}

/**
 * Puts records into operator state for a new savepoint (Flink's StateBootstrapFunction). It is a
 * CheckpointedFunction: `initializeState` registers list or union list states with the operator
 * state store (`ctx.getOperatorStateStore().getListState(descriptor)`, the descriptors the job
 * that will start from the savepoint uses), `processElement` is called per record, and
 * `snapshotState` — called once, after the last record — leaves in them what the savepoint holds.
 * Runs at the job's parallelism (at most the max parallelism): each subtask writes its own lists.
 *
 * @example
 * class WriteOffsets extends StateBootstrapFunction<number> {
 *   private offsets!: ListState<number>;
 *   initializeState(ctx: FunctionInitializationContext) {
 *     this.offsets = ctx.getOperatorStateStore().getListState(new ListStateDescriptor<number>('offsets'));
 *   }
 *   processElement(offset: number) { this.offsets.add(offset); }
 *   snapshotState() {}
 * }
 */
export abstract class StateBootstrapFunction<IN> extends AbstractRichFunction implements CheckpointedFunction {
  abstract processElement(value: IN, ctx: StateBootstrapContext): void;
  abstract initializeState(context: FunctionInitializationContext): void;
  abstract snapshotState(context: FunctionSnapshotContext): void;
}

/** What `processElement` of a {@link BroadcastStateBootstrapFunction} can use. */
export interface BroadcastStateBootstrapContext extends StateBootstrapContext {
  /** The broadcast state of `descriptor` (its name is what the job's `broadcast(descriptor)` uses), writable. */
  getBroadcastState<K, V>(descriptor: MapStateDescriptor<K, V>): BroadcastState<K, V>;
}

/**
 * Puts records into broadcast state for a new savepoint (Flink's BroadcastStateBootstrapFunction):
 * `processElement` is called per record and writes into `ctx.getBroadcastState(descriptor)`. It
 * runs at parallelism 1, as Flink's: the one copy it writes is what every subtask of the job
 * started from the savepoint gets, whatever its parallelism.
 */
export abstract class BroadcastStateBootstrapFunction<IN> extends AbstractRichFunction {
  abstract processElement(value: IN, ctx: BroadcastStateBootstrapContext): void;
}
