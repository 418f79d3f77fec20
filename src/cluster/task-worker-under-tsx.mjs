// The worker thread's entry when the engine runs from its TypeScript sources (tests under
// `node --import tsx`): Node 20 runs no --import hook in a worker before its entry module, so
// this registers tsx itself, then loads the worker. Built, dist/cluster/task-worker.js is the entry.
import { register } from 'tsx/esm/api';

register();
await import('./task-worker.ts');
