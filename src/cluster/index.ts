export { JobMaster, type JobMasterOptions, type JobTracking, type RestoreSettings } from './job-master.js';
export { LocalExecutor } from './local-executor.js';
export { compilePipeline, type ParallelismDefaults } from './compile-pipeline.js';
export { runJobFile } from './job-loader.js';
export { effectiveConfiguration } from './effective-configuration.js';
export { launchDetached, DETACHED_JOB_ID_ENV } from './detached-launcher.js';
export { reconcileLiveness, lostReason, isProcessAlive } from './liveness.js';
