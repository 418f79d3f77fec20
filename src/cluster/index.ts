export { JobMaster, type JobMasterOptions } from './job-master.js';
export { LocalExecutor } from './local-executor.js';
export { compilePipeline, type ParallelismDefaults } from './compile-pipeline.js';
export { runJobFile } from './job-loader.js';
