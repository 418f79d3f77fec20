/** Configuration: the home directory, Flink-style typed options, config.yaml and -D. */
export { resolveHome, homeLayout, ensureHome, type HomeLayout } from './home.js';
export {
  type ConfigOption,
  type ConfigValue,
  type DefaultContext,
  durationOption,
  optionalDurationOption,
  intOption,
  numberOption,
  booleanOption,
  enumOption,
  pathOption,
} from './option-types.js';
export {
  CheckpointingOptions,
  StateBackendOptions,
  RestartStrategyOptions,
  CoreOptions,
  TaskManagerOptions,
  PipelineOptions,
  HeartbeatManagerOptions,
  ALL_OPTIONS,
  findOption,
  CHECKPOINTING_MODES,
  EXTERNALIZED_CHECKPOINT_RETENTIONS,
  STATE_BACKEND_TYPES,
  RESTART_STRATEGY_TYPES,
  type CheckpointingModeName,
  type ExternalizedCheckpointRetentionName,
  type StateBackendType,
  type RestartStrategyType,
} from './options.js';
export {
  Configuration,
  loadConfiguration,
  parseDynamicProperty,
  suggestKey,
  type ConfigSource,
  type LoadConfigurationOptions,
} from './configuration.js';
