export { WorkerPoolExecution, type WorkerPoolOptions } from './worker-pool-execution.js';
export { TaskSlotPool, type WorkerJobSpec } from './task-slot-pool.js';
export { serveWorker, slotOf } from './worker-host.js';
export type { WorkerStorage } from './located-storage.js';
export { type WorkerBootstrap, serializeError, deserializeError } from './protocol.js';
export { PortInputChannel, PortSubpartition } from './port-channel.js';
