import { type MetricGroup, type RuntimeContext, type TaskInfo as SubtaskInfo, taskInfoOf } from '../graph/index.js';
import { type KeyedStateBackend, type StateDescriptor, checkUserStateName } from '../state/index.js';
import { DefaultKeyedStateStore } from './default-keyed-state-store.js';
import { OperatorMetricGroup } from './metrics/user-metrics.js';

/** Identity of a subtask, shared by its runtime context and operators. */
export interface TaskInfo {
  readonly jobId: string;
  /** The subtask's name in messages: the chain's name and `(index + 1/parallelism)`. */
  readonly taskName: string;
  /** The chain's name alone, what Flink's getTaskName() returns (else taskName is returned). */
  readonly chainName?: string;
  readonly subtaskIndex: number;
  readonly parallelism: number;
  readonly maxParallelism: number;
  readonly attemptNumber: number;
  /** Throws unless this process still owns the job (see SinkWriterContext.checkOwnership). */
  readonly checkOwnership?: (action: string) => void;
  /** Jobs a restore must leave alone: they may still write (see SinkWriterContext.jobsStillWriting). */
  readonly jobsStillWriting?: readonly string[];
  /** Jobs that can never commit what they staged: a restore drops it (see SinkWriterContext.jobsAbandoned). */
  readonly jobsAbandoned?: readonly string[];
  /** The job takes checkpoints (and a final one at end of input). */
  readonly checkpointing: boolean;
  /** The job's global parameters (`setGlobalJobParameters`); unset = none. */
  readonly globalJobParameters?: ReadonlyMap<string, string>;
}

const NO_PARAMETERS: ReadonlyMap<string, string> = new Map();

/** The runtime context handed to the rich functions of one operator subtask. */
export class StreamingRuntimeContext extends DefaultKeyedStateStore implements RuntimeContext {
  constructor(
    private readonly info: TaskInfo,
    private readonly keyedBackend: KeyedStateBackend | undefined,
    /** The operator's user metrics (read with the task's metrics). */
    readonly metrics: OperatorMetricGroup = new OperatorMetricGroup(),
  ) {
    super();
  }

  getMetricGroup(): MetricGroup {
    return this.metrics.root;
  }

  getJobId(): string {
    return this.info.jobId;
  }
  getTaskName(): string {
    return this.info.chainName ?? this.info.taskName;
  }
  getIndexOfThisSubtask(): number {
    return this.info.subtaskIndex;
  }
  getNumberOfParallelSubtasks(): number {
    return this.info.parallelism;
  }
  getMaxNumberOfParallelSubtasks(): number {
    return this.info.maxParallelism;
  }
  getAttemptNumber(): number {
    return this.info.attemptNumber;
  }
  getTaskInfo(): SubtaskInfo {
    return taskInfoOf(this);
  }
  getGlobalJobParameters(): ReadonlyMap<string, string> {
    return this.info.globalJobParameters ?? NO_PARAMETERS;
  }
  protected getPartitionedState<S>(descriptor: StateDescriptor): S {
    checkUserStateName(descriptor.name);
    if (!this.keyedBackend) {
      throw new Error(
        `Keyed state '${descriptor.name}' can only be used on a keyed stream, i.e. after keyBy(), in "${this.info.taskName}".`,
      );
    }
    return this.keyedBackend.getOrCreateState(descriptor) as S;
  }
}
