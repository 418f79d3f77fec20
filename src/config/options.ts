import path from 'node:path';
import { DEFAULT_MAX_PARALLELISM, UPPER_BOUND_MAX_PARALLELISM } from '../util/max-parallelism.js';
import { STATE_BACKEND_NAMES, type StateBackendName } from '../util/state-backend-names.js';
import { homeLayout } from './home.js';
import {
  autoIntOption,
  booleanOption,
  durationOption,
  enumOption,
  intOption,
  MAX_INT,
  numberOption,
  optionalDurationOption,
  pathOption,
  type ConfigOption,
} from './option-types.js';

/** `execution.checkpointing.mode` values (Flink's CheckpointingMode names). */
export const CHECKPOINTING_MODES = ['EXACTLY_ONCE', 'AT_LEAST_ONCE'] as const;
export type CheckpointingModeName = (typeof CHECKPOINTING_MODES)[number];

/** `execution.checkpointing.externalized-checkpoint-retention` values. */
export const EXTERNALIZED_CHECKPOINT_RETENTIONS = [
  'RETAIN_ON_CANCELLATION',
  'DELETE_ON_CANCELLATION',
  'NO_EXTERNALIZED_CHECKPOINTS',
] as const;
export type ExternalizedCheckpointRetentionName = (typeof EXTERNALIZED_CHECKPOINT_RETENTIONS)[number];

/**
 * `state.backend.type` values: `hashmap` keeps keyed state on the JS heap, `lmdb` in an
 * embedded LMDB store on local disk. Listed here so config is validated before engine code loads.
 */
export const STATE_BACKEND_TYPES = STATE_BACKEND_NAMES;
export type StateBackendType = StateBackendName;

/** `restart-strategy.type` values; Flink's aliases (`off`, `fixeddelay`, ...) are accepted too. */
export const RESTART_STRATEGY_TYPES = ['none', 'fixed-delay', 'exponential-delay', 'failure-rate'] as const;
export type RestartStrategyType = (typeof RESTART_STRATEGY_TYPES)[number];

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
/** Flink's KeyGroupRangeAssignment.UPPER_BOUND_MAX_PARALLELISM: the most key groups a job may have. */
export { UPPER_BOUND_MAX_PARALLELISM };

/** Checkpointing keys (Flink's CheckpointingOptions). */
export const CheckpointingOptions = {
  CHECKPOINTING_INTERVAL: optionalDurationOption('execution.checkpointing.interval', {
    min: 1,
    description: 'Interval between checkpoints; unset means checkpointing is off.',
  }),
  CHECKPOINTING_CONSISTENCY_MODE: enumOption('execution.checkpointing.mode', CHECKPOINTING_MODES, 'EXACTLY_ONCE', {
    description: 'EXACTLY_ONCE aligns barriers; AT_LEAST_ONCE does not.',
  }),
  CHECKPOINTING_TIMEOUT: durationOption('execution.checkpointing.timeout', 10 * MINUTE, {
    min: 1,
    description: 'A checkpoint not complete after this long is aborted.',
  }),
  MIN_PAUSE_BETWEEN_CHECKPOINTS: durationOption('execution.checkpointing.min-pause', 0, {
    description: 'Minimal time between the end of one checkpoint and the start of the next.',
  }),
  MAX_CONCURRENT_CHECKPOINTS: intOption('execution.checkpointing.max-concurrent-checkpoints', 1, {
    min: 1,
    description: 'How many checkpoints may be in progress at once.',
  }),
  TOLERABLE_FAILURE_NUMBER: intOption('execution.checkpointing.tolerable-failed-checkpoints', 0, {
    min: 0,
    description: 'Consecutive checkpoint failures tolerated before the job fails.',
  }),
  MAX_RETAINED_CHECKPOINTS: intOption('execution.checkpointing.num-retained', 1, {
    min: 1,
    description: 'How many completed checkpoints are kept.',
  }),
  EXTERNALIZED_CHECKPOINT_RETENTION: enumOption(
    'execution.checkpointing.externalized-checkpoint-retention',
    EXTERNALIZED_CHECKPOINT_RETENTIONS,
    // Flink defaults to NO_EXTERNALIZED_CHECKPOINTS; here a cancelled job keeps its checkpoints
    // because `flink run -s <jobId>` is the usual way back (SPEC.md).
    'RETAIN_ON_CANCELLATION',
    { description: 'Whether completed checkpoints survive the job being cancelled.' },
  ),
  CHECKPOINTS_DIRECTORY: pathOption('execution.checkpointing.dir', {
    computeDefault: ({ home }) => homeLayout(home).checkpointsDir,
    defaultDescription: '$FLINK_TS_HOME/checkpoints',
    description: 'Directory for checkpoints: <dir>/<jobId>/chk-<n>/.',
  }),
  SAVEPOINT_DIRECTORY: pathOption('execution.checkpointing.savepoint-dir', {
    computeDefault: ({ home }) => homeLayout(home).savepointsDir,
    defaultDescription: '$FLINK_TS_HOME/savepoints',
    description: 'Default directory for savepoints.',
  }),
  INCREMENTAL_CHECKPOINTS: booleanOption('execution.checkpointing.incremental', false, {
    description: 'Whether checkpoints only write what changed since the previous one.',
  }),
} as const;

/** State backend keys (Flink's StateBackendOptions). */
export const StateBackendOptions = {
  STATE_BACKEND: enumOption('state.backend.type', STATE_BACKEND_TYPES, 'hashmap', {
    description: 'Where keyed state lives: hashmap (JS heap) or lmdb (embedded on-disk store).',
  }),
  LMDB_LOCAL_DIRECTORY: pathOption('state.backend.lmdb.local-directory', {
    computeDefault: ({ home }) => path.join(home, 'state'),
    defaultDescription: '$FLINK_TS_HOME/state',
    description: "Where the lmdb backend keeps its working files (scratch: deleted when a task ends; checkpoints are what is durable).",
  }),
} as const;

/** Restart strategy keys (Flink's RestartStrategyOptions) with Flink 2.x defaults. */
export const RestartStrategyOptions = {
  RESTART_STRATEGY: enumOption('restart-strategy.type', RESTART_STRATEGY_TYPES, 'none', {
    aliases: {
      off: 'none',
      disable: 'none',
      fixeddelay: 'fixed-delay',
      exponentialdelay: 'exponential-delay',
      failurerate: 'failure-rate',
    },
    // As in Flink: no restarts without checkpointing (nothing to restart from), and
    // exponential-delay once checkpointing is on.
    computeDefault: (ctx) =>
      ctx.get(CheckpointingOptions.CHECKPOINTING_INTERVAL) === undefined ? 'none' : 'exponential-delay',
    defaultDescription: 'none without checkpointing, exponential-delay with it',
    description: 'How the job restarts after a failure.',
  }),
  RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS: intOption('restart-strategy.fixed-delay.attempts', 1, {
    min: 0,
    description: 'Restarts before the job is declared failed.',
  }),
  RESTART_STRATEGY_FIXED_DELAY_DELAY: durationOption('restart-strategy.fixed-delay.delay', 1 * SECOND, {
    description: 'Delay between two restart attempts.',
  }),
  RESTART_STRATEGY_EXPONENTIAL_DELAY_INITIAL_BACKOFF: durationOption(
    'restart-strategy.exponential-delay.initial-backoff',
    1 * SECOND,
    { min: 1, description: 'Delay before the first restart.' },
  ),
  RESTART_STRATEGY_EXPONENTIAL_DELAY_MAX_BACKOFF: durationOption('restart-strategy.exponential-delay.max-backoff', 1 * MINUTE, {
    min: 1,
    description: 'Upper bound of the restart delay.',
  }),
  RESTART_STRATEGY_EXPONENTIAL_DELAY_BACKOFF_MULTIPLIER: numberOption(
    'restart-strategy.exponential-delay.backoff-multiplier',
    1.5,
    // As Flink's ExponentialDelayRestartBackoffTimeStrategy: a factor of 1 would never grow.
    { min: 1, minExclusive: true, description: 'Factor the delay grows by after each failure.' },
  ),
  RESTART_STRATEGY_EXPONENTIAL_DELAY_RESET_BACKOFF_THRESHOLD: durationOption(
    'restart-strategy.exponential-delay.reset-backoff-threshold',
    1 * HOUR,
    { min: 1, description: 'Running this long without failure resets the delay to the initial backoff.' },
  ),
  RESTART_STRATEGY_EXPONENTIAL_DELAY_JITTER_FACTOR: numberOption('restart-strategy.exponential-delay.jitter-factor', 0.1, {
    min: 0,
    max: 1,
    description: 'Random spread added to each delay, as a fraction of it.',
  }),
  RESTART_STRATEGY_EXPONENTIAL_DELAY_ATTEMPTS: intOption(
    'restart-strategy.exponential-delay.attempts-before-reset-backoff',
    // Flink's "unbounded" default.
    MAX_INT,
    { min: 1, description: 'Restarts allowed before the job fails, counted since the last backoff reset.' },
  ),
  RESTART_STRATEGY_FAILURE_RATE_MAX_FAILURES_PER_INTERVAL: intOption(
    'restart-strategy.failure-rate.max-failures-per-interval',
    1,
    { min: 1, description: 'Failures within one interval before the job fails.' },
  ),
  RESTART_STRATEGY_FAILURE_RATE_FAILURE_RATE_INTERVAL: durationOption(
    'restart-strategy.failure-rate.failure-rate-interval',
    1 * MINUTE,
    { min: 1, description: 'The window in which failures are counted.' },
  ),
  RESTART_STRATEGY_FAILURE_RATE_DELAY: durationOption('restart-strategy.failure-rate.delay', 1 * SECOND, {
    description: 'Delay between two restart attempts.',
  }),
} as const;

/** `parallelism.default` (Flink's CoreOptions). */
export const CoreOptions = {
  DEFAULT_PARALLELISM: intOption('parallelism.default', 1, {
    min: 1,
    // No operator may run with more subtasks than key groups, and there are at most this many.
    max: UPPER_BOUND_MAX_PARALLELISM,
    description: 'Parallelism of operators that do not set their own.',
  }),
} as const;

/** The most worker threads a job may run on. */
const MAX_TASK_SLOTS = 256;

/**
 * `taskmanager.numberOfTaskSlots` (Flink's TaskManagerOptions.NUM_TASK_SLOTS). Here a slot is a
 * worker thread of the job's process: subtask i of every operator runs in slot i mod slots.
 */
export const TaskManagerOptions = {
  NUM_TASK_SLOTS: autoIntOption('taskmanager.numberOfTaskSlots', 'auto', {
    min: 1,
    max: MAX_TASK_SLOTS,
    description:
      "Worker threads a job's subtasks run on; auto (the default) uses min(the job's highest parallelism, the cores), 1 runs every subtask on the job's main thread.",
  }),
} as const;

/** `pipeline.*` keys (Flink's PipelineOptions). */
export const PipelineOptions = {
  MAX_PARALLELISM: intOption('pipeline.max-parallelism', DEFAULT_MAX_PARALLELISM, {
    min: 1,
    max: UPPER_BOUND_MAX_PARALLELISM,
    description: 'Number of key groups: the upper bound for rescaling keyed state.',
  }),
  AUTO_WATERMARK_INTERVAL: durationOption('pipeline.auto-watermark-interval', 200, {
    min: 0,
    description: 'How often periodic watermark generators emit (processing time); 0 turns periodic emission off.',
  }),
  OBJECT_REUSE: booleanOption('pipeline.object-reuse', false, {
    description:
      'Chained operators and the outputs of a fan-out share records, and a shuffle within a thread hands them on as they are; false (the default) gives every operator its own copy, as Flink does.',
  }),
} as const;

/**
 * Liveness keys (Flink's HeartbeatManagerOptions, with shorter defaults: one machine, no
 * network). A job writes a heartbeat to flink.db every interval; another process may declare it
 * lost once its heartbeat is older than the timeout (the job records its own timeout, so every
 * reader uses the job's). A job stops committing on its own once it could not confirm its
 * heartbeat for 2/3 of the timeout, so it has stopped before anyone may declare it lost.
 */
export const HeartbeatManagerOptions = {
  HEARTBEAT_INTERVAL: durationOption('heartbeat.interval', 1 * SECOND, {
    min: 10,
    description: "How often a running job writes its heartbeat to flink.db; at most a third of heartbeat.timeout.",
  }),
  HEARTBEAT_TIMEOUT: durationOption('heartbeat.timeout', 30 * SECOND, {
    min: 100,
    description: 'A job whose heartbeat is older than this may be declared lost (and its process stopped by a restore).',
  }),
} as const;

/** Every supported option, in documentation order. */
export const ALL_OPTIONS: readonly ConfigOption<unknown>[] = [
  ...Object.values(CheckpointingOptions),
  ...Object.values(StateBackendOptions),
  ...Object.values(RestartStrategyOptions),
  ...Object.values(CoreOptions),
  ...Object.values(TaskManagerOptions),
  ...Object.values(PipelineOptions),
  ...Object.values(HeartbeatManagerOptions),
] as ConfigOption<unknown>[];

const BY_KEY = new Map(ALL_OPTIONS.map((o) => [o.key, o]));

/** The option for `key`, or undefined if the key is not supported. */
export function findOption(key: string): ConfigOption<unknown> | undefined {
  return BY_KEY.get(key);
}

/** Flink 1.x keys that moved, so an old config.yaml gets pointed at the new name. */
export const RENAMED_KEYS: Readonly<Record<string, string>> = {
  'state.checkpoints.dir': 'execution.checkpointing.dir',
  'state.savepoints.dir': 'execution.checkpointing.savepoint-dir',
  'state.checkpoints.num-retained': 'execution.checkpointing.num-retained',
  'state.backend': 'state.backend.type',
  'state.backend.incremental': 'execution.checkpointing.incremental',
  'restart-strategy': 'restart-strategy.type',
  'execution.checkpointing.externalized-checkpoint': 'execution.checkpointing.externalized-checkpoint-retention',
};
