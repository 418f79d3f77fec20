/**
 * Writing state into a new savepoint (Flink's State Processor API, `SavepointWriter`): the
 * function that puts records into keyed state, and what each of its subtasks hands on at the
 * end of its input. The runtime runs the function; `state-processor/` writes the savepoint.
 */
import { AbstractRichFunction, type TimerService } from './functions.js';

/** What `processElement` of a bootstrap function can use besides its state. */
export interface KeyedStateBootstrapContext<K> {
  /** Registers timers to be in the savepoint: they fire in the job restored from it, never here. */
  timerService(): TimerService;
  getCurrentKey(): K;
}

/**
 * Puts records into keyed state for a new savepoint (Flink's KeyedStateBootstrapFunction): in
 * `open()`, register the states with the descriptors the job that will start from the savepoint
 * uses; `processElement` is called per record with its key current, and writes them.
 */
export abstract class KeyedStateBootstrapFunction<K, IN> extends AbstractRichFunction {
  abstract processElement(value: IN, ctx: KeyedStateBootstrapContext<K>): void;
}

/**
 * The checkpoint id of a written savepoint, in its `_metadata` and as a bootstrap function's
 * `snapshotState` sees it: the first (and only) snapshot of a lineage of its own.
 */
export const BOOTSTRAP_CHECKPOINT_ID = 1;

/**
 * One bootstrap subtask's state at the end of its input: a state file as a snapshot writes it
 * (keyed state: the subtask's key groups of `maxParallelism`; operator and broadcast state: its
 * lists), for the savepoint's `_metadata`.
 */
export interface BootstrappedSubtaskState {
  readonly uid: string;
  readonly name: string;
  readonly subtask: number;
  readonly parallelism: number;
  readonly maxParallelism: number;
  /** The key groups of keyed state; null for operator (list, union, broadcast) state. */
  readonly keyGroupRange: readonly [number, number] | null;
  readonly stateNames: readonly string[];
  /** The encoded state file. */
  readonly bytes: Uint8Array;
}
