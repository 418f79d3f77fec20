export * from './paths.js';
export { writeFileAtomic, writeFileDurable, sha256, sha256Chunks, nodeWriteSteps, type WriteSteps } from './atomic-write.js';
export * from './snapshot-metadata.js';
export { FsCheckpointStorage, discardDirectory } from './checkpoint-storage.js';
export { type CompletedCheckpoint, completedCheckpoint, isSavepoint } from './completed-checkpoint.js';
export { CompletedCheckpointStore, type RetentionListener, type RetentionStorage } from './completed-checkpoint-store.js';
export { planRetention, type RetentionFacts, type RetentionPlan, type WaitingFiles } from './retention-plan.js';
export { PendingCheckpoint, type AcknowledgeResult, type CheckpointDurations, type PendingCheckpointStatus } from './pending-checkpoint.js';
export { CheckpointFailureManager } from './checkpoint-failure-manager.js';
export { CheckpointFailedError, CheckpointFailureReason } from './checkpoint-failure.js';
export { decideTrigger, type TriggerDecision, type TriggerFacts } from './trigger-decision.js';
export {
  CheckpointCoordinator,
  type CheckpointStatsListener,
  type CheckpointTarget,
  type CoordinatorDeps,
  type CoordinatorSettings,
  type Schedule,
  type TriggerRequest,
  realSchedule,
} from './checkpoint-coordinator.js';
export { CheckpointStatsRecorder } from './checkpoint-stats-recorder.js';
export { asReading } from './reading-refusal.js';
export { DAMAGED_STATE_FILE, type LoadedSnapshot, SnapshotRestoreError, loadSnapshot, readSnapshotMetadata, snapshotDirOf, verifySnapshot } from './snapshot-loader.js';
export { type PublishedSnapshot, type SnapshotProblem, checkMetadataFile, lookAtRecorded, scanCheckpointDirectory, verdictOf } from './published-snapshots.js';
export * from './checkpoint-reconciliation.js';
export { assignState, type AssignmentOptions } from './state-assignment.js';
export { inspectSnapshot, type SnapshotInfo, type OperatorStateInfo } from './snapshot-inspector.js';
export { disposeSavepoint, planDisposal, type DisposalPlan, type DisposalResult } from './savepoint-disposal.js';
export {
  type RecoveredState,
  type RestoreCandidate,
  type JobSnapshots,
  type JobOutcome,
  type CheckpointRetentionPolicy,
  restoreNewest,
  recoverFromRetained,
  restoreLatestOfJob,
  surveyLatestOfJob,
  loadSnapshotChecked,
  discardsCheckpointsOnEnd,
} from './recovery.js';
