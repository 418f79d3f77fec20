export { NexmarkSource, type NexmarkSourceOptions } from './nexmark-source.js';
export { NexmarkGenerator } from './nexmark-generator.js';
export { type NexmarkGeneratorOptions, type NexmarkGeneratorConfig, NEXMARK_DEFAULTS, resolveNexmarkConfig } from './nexmark-config.js';
export type { Auction, Bid, NexmarkEvent, NexmarkEventType, Person } from './nexmark-events.js';
