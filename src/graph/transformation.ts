/**
 * Transformations: what the DataStream API records as a job is defined. They are plain data —
 * building them runs nothing. `name`, `uid` and `parallelism` stay settable until `execute`.
 */
import type { AsyncFunctionLike } from './async-function.js';
import type { AsyncRetryStrategy } from './async-retry.js';
import type {
  FilterFunctionLike,
  FlatMapFunctionLike,
  KeyedProcessFunction,
  KeyFunction,
  MapFunctionLike,
  ProcessFunction,
  ReduceFunctionLike,
  SinkFunctionLike,
} from './functions.js';
import type { KeyedStateBootstrapFunction } from './state-bootstrap.js';
import type { BroadcastStateBootstrapFunction, StateBootstrapFunction } from './operator-state-bootstrap.js';
import type { TwoInputOperatorSpec } from './two-input-spec.js';
import type { OutputTag } from './output-tag.js';
import type { Sink } from './sink.js';
import type { Source } from './source.js';
import type { WindowOperatorSpec } from './window-spec.js';
import type { WatermarkStrategy } from './watermark-strategy.js';

/** What an operator does; the runtime turns each kind into an operator implementation. */
export type OperatorSpec =
  | { readonly kind: 'map'; readonly fn: MapFunctionLike<unknown, unknown> }
  | { readonly kind: 'filter'; readonly fn: FilterFunctionLike<unknown> }
  | { readonly kind: 'flatMap'; readonly fn: FlatMapFunctionLike<unknown, unknown> }
  | { readonly kind: 'reduce'; readonly fn: ReduceFunctionLike<unknown> }
  | { readonly kind: 'process'; readonly fn: ProcessFunction<unknown, unknown> }
  | { readonly kind: 'keyedProcess'; readonly fn: KeyedProcessFunction<unknown, unknown, unknown> }
  | { readonly kind: 'timestampsAndWatermarks'; readonly strategy: WatermarkStrategy<unknown> }
  | { readonly kind: 'sinkFunction'; readonly fn: SinkFunctionLike<unknown> }
  | { readonly kind: 'sink'; readonly sink: Sink<unknown> }
  | { readonly kind: 'print'; readonly prefix: string | undefined; readonly stderr: boolean }
  | { readonly kind: 'window'; readonly window: WindowOperatorSpec }
  /**
   * Writes keyed state for a new savepoint (Flink's KeyedStateBootstrapOperator): runs `fn` per
   * record, fires no timers, and at the end of its input emits its state file for operator `uid`.
   */
  | { readonly kind: 'keyedStateBootstrap'; readonly fn: KeyedStateBootstrapFunction<unknown, unknown>; readonly uid: string; readonly name: string }
  /**
   * Writes window state for a new savepoint (Flink's StateBootstrapWrapperOperator around a
   * WindowOperator): the window operator of `window` takes each record as the job's would, with
   * no watermark and no firing, and at the end of its input its keyed state — contents, trigger
   * state, merged sessions, timers — is emitted as the state file of operator `uid`.
   */
  | { readonly kind: 'windowStateBootstrap'; readonly window: WindowOperatorSpec; readonly uid: string; readonly name: string }
  /**
   * Writes operator state for a new savepoint (Flink's StateBootstrapOperator and
   * BroadcastStateBootstrapOperator): runs `fn` per record, and at the end of its input emits
   * the lists (list, union list or broadcast state) of operator `uid` as its state file.
   */
  | {
      readonly kind: 'operatorStateBootstrap';
      readonly fn: StateBootstrapFunction<unknown> | BroadcastStateBootstrapFunction<unknown>;
      readonly broadcast: boolean;
      readonly uid: string;
      readonly name: string;
    }
  /** Flink's AsyncWaitOperator: `capacity` inputs in flight at most; `timeoutMs` ≤ 0 = none. */
  | {
      readonly kind: 'asyncWait';
      readonly fn: AsyncFunctionLike<unknown, unknown>;
      readonly ordered: boolean;
      readonly timeoutMs: number;
      readonly capacity: number;
      readonly retry?: AsyncRetryStrategy<unknown>;
    };

/** Operator kinds that run on a keyed stream and may use keyed state and timers. */
export const KEYED_OPERATOR_KINDS: ReadonlySet<OperatorSpec['kind'] | TwoInputOperatorSpec['kind']> = new Set([
  'reduce',
  'keyedProcess',
  'keyedStateBootstrap',
  'windowStateBootstrap',
  'window',
  'keyedCoProcess',
  'keyedBroadcastProcess',
  'intervalJoin',
]);

/** How records move from one operator's subtasks to the next one's. */
/**
 * Picks the consumer subtask of a key (Flink's Partitioner): an index from 0 to
 * `numPartitions - 1`. A function, or an object with `partition`.
 */
export type Partitioner<K> = ((key: K, numPartitions: number) => number) | { partition(key: K, numPartitions: number): number };

export type PartitionerSpec =
  | { readonly type: 'forward' }
  | { readonly type: 'rebalance' }
  /** Round robin over a share of the consumer subtasks: Flink's RescalePartitioner (see RescaleWriter). */
  | { readonly type: 'rescale' }
  /** To a consumer subtask drawn at random for each record. */
  | { readonly type: 'shuffle' }
  /** Every record to the consumer's first subtask. */
  | { readonly type: 'global' }
  | { readonly type: 'hash'; readonly keySelector: KeyFunction<unknown, unknown> }
  /** The subtask a user's partitioner picks for the record's key (Flink's partitionCustom). */
  | { readonly type: 'custom'; readonly partitioner: Partitioner<unknown>; readonly keySelector: KeyFunction<unknown, unknown> }
  /** Every record to every consumer subtask (the records are shared, not copied). */
  | { readonly type: 'broadcast' };

/**
 * An operator's chaining, as Flink's ChainingStrategy: `head` starts a new chain (it chains to
 * no operator before it; `startNewChain()`), `never` chains to none before or after it
 * (`disableChaining()`).
 */
export type ChainingStrategy = 'head' | 'never';

interface TransformationBase {
  readonly id: number;
  name: string;
  uid: string | undefined;
  parallelism: number | undefined;
  /**
   * The environment's parallelism (`env.setParallelism`) when the operator was added: its
   * parallelism unless set on the operator. Flink gives each transformation the environment's
   * parallelism as it is created, so a later `env.setParallelism` leaves earlier operators as
   * they were (DataStreamTest.testParallelism). Unset: the job's default (`-p`, config).
   */
  readonly envParallelism?: number;
  /** The operator's own max parallelism (`setMaxParallelism`); unset = the job's. */
  maxParallelism?: number;
  chaining?: ChainingStrategy;
  /**
   * Runs with parallelism 1 and refuses another (Flink's non-parallel sources and
   * `forceNonParallel`, e.g. windowAll): `setParallelism(n)` with n ≠ 1 throws at once.
   */
  nonParallel?: true;
}

/** A source of records, with the strategy that gives them timestamps and watermarks (per split). */
export interface SourceTransformation extends TransformationBase {
  readonly kind: 'source';
  readonly source: Source<unknown>;
  readonly watermarkStrategy: WatermarkStrategy<unknown>;
}

/** An operator with one logical input (which may be a union). */
export interface OperatorTransformation extends TransformationBase {
  readonly kind: 'operator';
  readonly input: Transformation;
  readonly operator: OperatorSpec;
  /**
   * Unless set, the parallelism is its (first) input's, not the job's default: Flink gives
   * `assignTimestampsAndWatermarks` and a window join's taggers their input's parallelism so they
   * chain 1:1 to it (a non-parallel source keeps its order and its watermarks in one subtask).
   */
  readonly parallelismFromInput?: true;
}

/**
 * An operator with two logical inputs (`connect`, broadcast state, interval join): records of
 * `input1` reach its first input, of `input2` its second; it never chains to its inputs.
 */
export interface TwoInputTransformation extends TransformationBase {
  readonly kind: 'twoInputOperator';
  readonly input1: Transformation;
  readonly input2: Transformation;
  readonly operator: TwoInputOperatorSpec;
  /** An input is a keyed stream: the operator has a keyed backend (keyed state; timers if its kind is keyed). */
  readonly keyed: boolean;
}

/** A virtual node: changes how records are routed to the next operator. */
export interface PartitionTransformation extends TransformationBase {
  readonly kind: 'partition';
  readonly input: Transformation;
  readonly partitioner: PartitionerSpec;
}

/** A virtual node: the records an operator sent to side output `tag` (`getSideOutput`). */
export interface SideOutputTransformation extends TransformationBase {
  readonly kind: 'sideOutput';
  readonly input: Transformation;
  readonly tag: OutputTag<unknown>;
}

/** A virtual node: several streams read as one. */
export interface UnionTransformation extends TransformationBase {
  readonly kind: 'union';
  readonly inputs: readonly Transformation[];
}

export type Transformation =
  | SourceTransformation
  | OperatorTransformation
  | TwoInputTransformation
  | PartitionTransformation
  | SideOutputTransformation
  | UnionTransformation;

/** Operator kinds that end a stream: Flink names their operators "Sink: <name>". */
const SINK_KINDS: ReadonlySet<OperatorSpec['kind']> = new Set(['sink', 'sinkFunction', 'print']);

/**
 * The name an operator shows in plans, metrics and messages: a source's and a sink's with
 * "Source: " and "Sink: " before the name it was given, as Flink's translators add them, so
 * `.name('numbers')` on a source shows "Source: numbers" and `getName()` still returns "numbers".
 */
export function displayName(t: Transformation): string {
  if (t.kind === 'source') return `Source: ${t.name}`;
  return t.kind === 'operator' && SINK_KINDS.has(t.operator.kind) ? `Sink: ${t.name}` : t.name;
}
