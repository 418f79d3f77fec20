export * from './functions.js';
export * from './source.js';
export * from './sink.js';
export * from './transformation.js';
export * from './stream-graph.js';
export * from './job-graph.js';
