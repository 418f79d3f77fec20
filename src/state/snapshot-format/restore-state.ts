import type { StateFileContent } from './state-file.js';

/**
 * The state one operator subtask starts from after a restore, already redistributed to it:
 * key-group blocks in the order they are applied (a chain's base before its deltas).
 */
export type OperatorRestoreState = StateFileContent;

/** The state each operator subtask starts from, by operator uid and subtask index. */
export type RestoreAssignment = (uid: string, subtask: number) => OperatorRestoreState | undefined;
