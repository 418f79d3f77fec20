export { WorkerPoolExecution, type WorkerJobSpec, type WorkerPoolOptions } from './worker-pool-execution.js';
export { hostWorker, slotOf, type WorkerStorage } from './worker-host.js';
export { type WorkerBootstrap, serializeError, deserializeError } from './protocol.js';
export { PortInputChannel, PortSubpartition } from './port-channel.js';
