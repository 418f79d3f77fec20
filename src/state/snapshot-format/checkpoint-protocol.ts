/*
 * What tasks and the checkpoint coordinator exchange: how a checkpoint is taken, where tasks
 * write their files, and the acknowledgement that carries the handles back. Defined here, below
 * both runtime/ (which takes snapshots) and checkpoint/ (which coordinates and stores them).
 */
import type { OperatorStateHandle, StateFileRef } from './handles.js';

/** How a checkpoint is taken; a savepoint always aligns. */
export interface CheckpointOptions {
  readonly isSavepoint: boolean;
  /**
   * Every state is written in full, sharing no files with other checkpoints, even with
   * incremental checkpoints on: savepoints and `flink checkpoint --full`.
   */
  readonly full?: boolean;
  /**
   * The newest checkpoint completed when this one was triggered. An incremental snapshot may
   * build only on that checkpoint's files (or a newer one's): retention may already have
   * deleted an older chain's, and the completion's notification can reach a task after the
   * next barrier does.
   */
  readonly latestCompleted?: number;
  /** Align barriers at multi-input tasks (EXACTLY_ONCE). */
  readonly aligned: boolean;
}

/** The operator subtask a state file belongs to. */
export interface StateFileOwner {
  readonly uid: string;
  readonly subtask: number;
}

/** Writes the files of a checkpoint; implemented by checkpoint storage (the tasks' view of it). */
export interface CheckpointStorageWorker {
  /** Writes `owner`'s state file, the concatenation of `chunks`, into checkpoint `checkpointId`'s directory, durably. */
  writeStateFile(checkpointId: number, owner: StateFileOwner, chunks: readonly Uint8Array[]): Promise<StateFileRef>;
  /** Writes `owner`'s incremental keyed snapshot (a full base or a delta) into the job's `shared/` directory, durably. */
  writeSharedStateFile(checkpointId: number, owner: StateFileOwner, form: 'full' | 'delta', chunks: readonly Uint8Array[]): Promise<StateFileRef>;
}

/** An operator subtask as a snapshot names it (what a handle says besides its files). */
export type OperatorIdentity = Pick<OperatorStateHandle, 'uid' | 'name' | 'subtask' | 'parallelism' | 'maxParallelism'>;

/** A task's acknowledgement of checkpoint n: where its state went and what it cost. */
export interface TaskAcknowledgement {
  readonly checkpointId: number;
  readonly taskIndex: number;
  readonly handles: readonly OperatorStateHandle[];
  /**
   * The operators of the task's chain that wrote no state, when another of the chain did (empty
   * when none did: a wholly stateless task acknowledges nothing, as Flink's reports null). Flink's
   * task reports an empty state for each of them and its restore restores them: `_metadata`
   * records them without handles, so `isRestored()` is true for them after a restore.
   */
  readonly stateless?: readonly OperatorIdentity[];
  /** Duration of the synchronous cut (processing paused). */
  readonly syncMs: number;
  /** From the cut to the files being durable (processing went on). */
  readonly asyncMs: number;
  readonly alignmentMs: number;
  /** The longest single pause this snapshot caused: the cut, or encoding a key group on first touch. */
  readonly maxPauseMs: number;
}

/**
 * Why a task declined a checkpoint. `subsumed`: a newer barrier overtook its alignment (Flink's
 * CHECKPOINT_DECLINED_SUBSUMED), which does not count towards the tolerable failed checkpoints;
 * `error`: anything else (Flink's CHECKPOINT_DECLINED), which does.
 */
export type DeclineCause = 'error' | 'subsumed';

/** Receives tasks' answers to a checkpoint (the coordinator side). */
export interface CheckpointResponder {
  acknowledge(ack: TaskAcknowledgement): void;
  /** `cause` defaults to `error`. */
  decline(checkpointId: number, taskIndex: number, reason: string, cause?: DeclineCause): void;
}
