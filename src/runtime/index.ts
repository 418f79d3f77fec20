export { JobExecution, type JobExecutionOptions } from './job-execution.js';
export { DEFAULT_CHANNEL_SETTINGS, type ChannelSettings } from './execution-graph.js';

export * from './channel-events.js';
export { encodeEvent, decodeEvent } from './batch-codec.js';
export { LocalChannel } from './local-channel.js';
