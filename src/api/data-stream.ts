import type {
  FilterFunctionLike,
  KeyedProcessFunction,
  ReduceFunctionLike,
  FlatMapFunctionLike,
  KeyFunction,
  KeySelectorLike,
  MapFunctionLike,
  OperatorSpec,
  OutputTag,
  Partitioner,
  PartitionerSpec,
  ProcessFunction,
  Sink,
  SinkFunctionLike,
  Transformation,
  WindowOperatorSpec,
} from '../graph/index.js';
import { OutputTag as OutputTagClass, WatermarkStrategy, displayName, keyFunctionOf } from '../graph/index.js';
import { type GlobalWindow, type Window, type WindowAssigner, countWindowSpec } from '../windowing/index.js';
import { FieldAggregations } from './field-aggregations.js';
import { applyMixin } from './mixin.js';
import { parallelismOf } from './stream-parallelism.js';
import type { StreamExecutionEnvironment } from './stream-execution-environment.js';
import { AllWindowedStream, WindowedStream } from './windowed-stream.js';
import { BroadcastConnectedStream, BroadcastStream } from './broadcast-stream.js';
import { ConnectedStreams } from './connected-streams.js';
import { IntervalJoin } from './interval-join.js';
import { CoGroupedStreams, JoinedStreams } from './co-grouped-streams.js';
import { withOnTimer } from './with-on-timer.js';
import { checkAssigner } from './window-operator-spec.js';
import { type CloseableIterator, CollectResultIterator, takeAndClose } from './collect-result-iterator.js';
import { CollectSink } from '../connectors/collect/collect-sink.js';
import { type MapStateDescriptor, checkMaxParallelism } from '../state/index.js';
import { JobDefinitionError } from '../util/errors.js';
import { describeArgument } from '../util/describe-argument.js';

// KeyedStream lives here too: it extends DataStream and DataStream.keyBy creates it, and
// splitting them would make an import cycle whose order decides whether the class exists.

/**
 * A stream of records of type `T`. Every method adds a transformation to the job and returns
 * the new stream; nothing runs until `env.execute()`.
 */
export class DataStream<T> {
  /** @internal */
  constructor(
    protected readonly env: StreamExecutionEnvironment,
    /** @internal */
    readonly transformation: Transformation,
  ) {}

  /** The environment this stream belongs to. */
  getExecutionEnvironment(): StreamExecutionEnvironment {
    return this.env;
  }

  /** The id of the transformation that makes this stream: unique within its environment (Flink's getId). */
  getId(): number {
    return this.transformation.id;
  }

  /**
   * The parallelism this stream is produced at (Flink's getParallelism): for an operator's stream,
   * the one set with `setParallelism`, else the environment's when the operator was added
   * (`env.setParallelism`, else `flink run -p` / `parallelism.default`); a keyed, rebalanced or
   * side-output stream answers its input's. What the job runs with, as long as nothing changes it later.
   *
   * @example
   * env.setParallelism(4);
   * const words = lines.flatMap(split);                        // words.getParallelism() === 4
   * const counted = words.keyBy((w) => w).process(new Count()).setParallelism(2); // 2
   */
  getParallelism(): number {
    return parallelismOf(this.transformation, this.env.configuredParallelism());
  }

  /** Applies `fn` to every record. */
  map<R>(fn: MapFunctionLike<T, R>): SingleOutputStreamOperator<R> {
    return this.operator<R>('Map', { kind: 'map', fn: fn as MapFunctionLike<unknown, unknown> });
  }

  /** Keeps the records for which `fn` returns true. */
  filter(fn: FilterFunctionLike<T>): SingleOutputStreamOperator<T> {
    return this.operator<T>('Filter', { kind: 'filter', fn: fn as FilterFunctionLike<unknown> });
  }

  /** Emits any number of records per input, through the collector or a returned iterable. */
  flatMap<R>(fn: FlatMapFunctionLike<T, R>): SingleOutputStreamOperator<R> {
    return this.operator<R>('Flat Map', { kind: 'flatMap', fn: fn as FlatMapFunctionLike<unknown, unknown> });
  }

  /** A low-level function over every record (no keyed state or timers: use keyBy first). */
  process<R>(fn: ProcessFunction<T, R>): SingleOutputStreamOperator<R> {
    return this.operator<R>('Process', { kind: 'process', fn: fn as ProcessFunction<unknown, unknown> });
  }

  /**
   * Gives every record a timestamp and generates watermarks, as `strategy` says (one generator
   * per subtask; periodic ones run every `pipeline.auto-watermark-interval`). Watermarks from
   * upstream are dropped, except the one at the end of input (as Flink's
   * TimestampsAndWatermarksOperator). Prefer giving the strategy to `fromSource`, which
   * generates watermarks per source split.
   *
   * @example
   * events.assignTimestampsAndWatermarks(
   *   WatermarkStrategy.forBoundedOutOfOrderness<Click>(Duration.ofSeconds(5)).withTimestampAssigner((c) => c.time));
   */
  assignTimestampsAndWatermarks(strategy: WatermarkStrategy<T>): SingleOutputStreamOperator<T> {
    if (!(strategy instanceof WatermarkStrategy)) {
      throw new TypeError('assignTimestampsAndWatermarks needs a WatermarkStrategy, e.g. WatermarkStrategy.forMonotonousTimestamps().');
    }
    // At the input's parallelism, as in Flink: 1:1 with its source subtasks, and chained to them.
    return this.operator<T>('Timestamps/Watermarks', { kind: 'timestampsAndWatermarks', strategy: strategy as WatermarkStrategy<unknown> }, true);
  }

  /** Partitions the stream by key: records of one key go to one subtask, with state per key. */
  keyBy<K>(selector: KeySelectorLike<T, K>): KeyedStream<T, K> {
    const keySelector = keyFunctionOf(selector, 'keyBy') as KeyFunction<unknown, unknown>;
    const t = this.env.addTransformation({
      kind: 'partition',
      name: 'Partition',
      input: this.transformation,
      partitioner: { type: 'hash', keySelector },
    });
    return new KeyedStream<T, K>(this.env, t);
  }

  /** Merges this stream with others of the same type. */
  union(...others: DataStream<T>[]): DataStream<T> {
    for (const o of others) {
      if (o.env !== this.env) throw new TypeError('union() needs streams of the same environment.');
    }
    const t = this.env.addTransformation({
      kind: 'union',
      name: 'Union',
      inputs: [this.transformation, ...others.map((o) => o.transformation)],
    });
    return new DataStream<T>(this.env, t);
  }

  /**
   * Connects this stream with `other` into an operator with two inputs (`map`, `flatMap`,
   * `process` on the result); with a broadcast stream, an operator with broadcast state.
   */
  connect<B>(other: BroadcastStream<B>): BroadcastConnectedStream<T, B>;
  connect<B>(other: DataStream<B>): ConnectedStreams<T, B>;
  connect<B>(other: DataStream<B> | BroadcastStream<B>): ConnectedStreams<T, B> | BroadcastConnectedStream<T, B> {
    if (other instanceof BroadcastStream) {
      if (other.getExecutionEnvironment() !== this.env) throw new TypeError('connect() needs streams of the same environment.');
      return new BroadcastConnectedStream<T, B>(this.env, this, other);
    }
    if (!(other instanceof DataStream)) throw new TypeError('connect() needs a DataStream or a BroadcastStream.');
    return new ConnectedStreams<T, B>(this.env, this, other);
  }

  /**
   * Joins this stream with `other` in windows: `.where(ka).equalTo(kb).window(assigner).apply(fn)`
   * calls `fn` for every pair of elements with equal keys in the same window.
   */
  join<B>(other: DataStream<B>): JoinedStreams<T, B> {
    if (!(other instanceof DataStream) || other.env !== this.env) throw new TypeError('join() needs a DataStream of the same environment.');
    return new JoinedStreams<T, B>(this, other);
  }

  /**
   * Groups this stream and `other` by key and window: `.where(ka).equalTo(kb).window(assigner).apply(fn)`
   * calls `fn` with both sides' elements of each key and window.
   */
  coGroup<B>(other: DataStream<B>): CoGroupedStreams<T, B> {
    if (!(other instanceof DataStream) || other.env !== this.env) throw new TypeError('coGroup() needs a DataStream of the same environment.');
    return new CoGroupedStreams<T, B>(this, other);
  }

  /**
   * Sends every record to every subtask of the next operator. With descriptors, the stream
   * becomes a BroadcastStream whose records the connected operator keeps in those broadcast
   * states. Records are shared between subtasks, not copied: do not mutate them.
   */
  broadcast(): DataStream<T>;
  broadcast(...descriptors: [MapStateDescriptor<unknown, unknown>, ...MapStateDescriptor<unknown, unknown>[]]): BroadcastStream<T>;
  broadcast(...descriptors: MapStateDescriptor<unknown, unknown>[]): DataStream<T> | BroadcastStream<T> {
    const stream = this.partition({ type: 'broadcast' });
    if (descriptors.length === 0) return stream;
    for (const d of descriptors) {
      if ((d as { kind?: unknown })?.kind !== 'map') throw new TypeError('broadcast(...) takes MapStateDescriptors, e.g. new MapStateDescriptor<string, Rule>("rules").');
    }
    return new BroadcastStream<T>(this.env, stream, descriptors);
  }

  /** Distributes records round-robin over the next operator's subtasks. */
  rebalance(): DataStream<T> {
    return this.partition({ type: 'rebalance' });
  }

  /**
   * Round robin over a share of the next operator's subtasks, as Flink's rescale(): with m
   * subtasks here and n there, subtask i sends to subtasks ⌊i·n/m⌋ up to before ⌊(i+1)·n/m⌋
   * (to ⌊i·n/m⌋ alone when n < m), so each subtask feeds few rather than all.
   */
  rescale(): DataStream<T> {
    return this.partition({ type: 'rescale' });
  }

  /** Sends each record to a subtask of the next operator drawn at random (Flink's shuffle()). */
  shuffle(): DataStream<T> {
    return this.partition({ type: 'shuffle' });
  }

  /**
   * Sends each record to the subtask `partitioner` picks for its key (Flink's partitionCustom):
   * `partitioner(key, numPartitions)` returns an index from 0 to `numPartitions - 1`. The stream
   * is not keyed after it (no keyed state): use keyBy for that.
   */
  partitionCustom<K>(partitioner: Partitioner<K>, keySelector: KeySelectorLike<T, K>): DataStream<T> {
    return this.partition({ type: 'custom', partitioner: partitioner as Partitioner<unknown>, keySelector: keyFunctionOf(keySelector, 'partitionCustom') as KeyFunction<unknown, unknown> });
  }

  /** Sends every record to the next operator's first subtask (Flink's global()). */
  global(): DataStream<T> {
    return this.partition({ type: 'global' });
  }

  /** Sends records to the next operator's subtask of the same index (equal parallelism needed). */
  forward(): DataStream<T> {
    return this.partition({ type: 'forward' });
  }

  /** Prints every record to stdout, prefixed with `<subtask>> ` when parallel. */
  print(prefix?: string): DataStreamSink<T> {
    return this.sinkOperator('Print to Std. Out', { kind: 'print', prefix, stderr: false });
  }

  /** Prints every record to stderr. */
  printToErr(prefix?: string): DataStreamSink<T> {
    return this.sinkOperator('Print to Std. Err', { kind: 'print', prefix, stderr: true });
  }

  /** Calls `fn` for every record (at-least-once: nothing is rolled back on failure). */
  addSink(fn: SinkFunctionLike<T>): DataStreamSink<T> {
    return this.sinkOperator('Unnamed', { kind: 'sinkFunction', fn: fn as SinkFunctionLike<unknown> });
  }

  /** Writes to a sink such as {@link FileSink}. */
  sinkTo(sink: Sink<T>): DataStreamSink<T> {
    const name = (sink as object).constructor?.name || 'Sink';
    return this.sinkOperator(name, { kind: 'sink', sink: sink as Sink<unknown> });
  }

  /**
   * The stream's records, read as the job runs (Flink's collectAsync): start the job with
   * `env.executeAsync()`, then iterate. Each record is handed out once — with checkpointing on,
   * once a completed checkpoint covers it, so a failover never takes one back (see the README's
   * "Collecting results"). The collect sink has parallelism 1.
   */
  collectAsync(): CloseableIterator<T> {
    const iterator = new CollectResultIterator<T>(this.env.nextCollectToken());
    this.sinkOperator('Data stream collect sink', { kind: 'sink', sink: new CollectSink<unknown>(iterator.token) })
      .setParallelism(1)
      // Its state (the offset) maps by the token across runs of the same job file.
      .uid(`__${iterator.token}`);
    this.env.registerCollect(iterator as CollectResultIterator<unknown>);
    return iterator;
  }

  /**
   * Runs the job and returns its records (Flink's executeAndCollect): an iterator over them as
   * they come (leaving it early cancels the job), or, given `limit`, the first `limit` records
   * (fewer if the job ends first), after which the job is cancelled.
   *
   * @example
   * const doubled = await env.fromData(1, 2, 3).map((n) => n * 2).executeAndCollect(10); // [2, 4, 6]
   */
  executeAndCollect(jobName?: string): Promise<CloseableIterator<T>>;
  executeAndCollect(limit: number): Promise<T[]>;
  executeAndCollect(jobName: string, limit: number): Promise<T[]>;
  async executeAndCollect(nameOrLimit?: string | number, maybeLimit?: number): Promise<CloseableIterator<T> | T[]> {
    const jobName = typeof nameOrLimit === 'string' ? nameOrLimit : 'DataStream Collect';
    const limit = typeof nameOrLimit === 'number' ? nameOrLimit : maybeLimit;
    if (limit !== undefined && (!Number.isSafeInteger(limit) || limit <= 0)) throw new RangeError(`Limit must be greater than 0, got ${describeArgument(limit)}.`);
    const iterator = this.collectAsync();
    await this.env.executeAsync(jobName);
    return limit === undefined ? iterator : takeAndClose(iterator, limit);
  }

  /**
   * Groups the whole stream into windows: one window operator with parallelism 1 sees every
   * record (Flink's windowAll).
   */
  windowAll<W extends Window>(assigner: WindowAssigner<T, W>): AllWindowedStream<T, W> {
    const keyed = this.keyBy(() => 0);
    return new AllWindowedStream<T, W>(keyed, assigner, (name, spec) => nonParallel(keyed.windowOperator(name, spec)));
  }

  /** Windows of `size` records of the whole stream, or of the last `size` records every `slide` records (parallelism 1). */
  countWindowAll(size: number, slide?: number): AllWindowedStream<T, GlobalWindow> {
    const spec = countWindowSpec(size, slide);
    const windowed = this.windowAll(spec.assigner).trigger(spec.trigger);
    return spec.evictor ? windowed.evictor(spec.evictor) : windowed;
  }

  private partition(partitioner: PartitionerSpec): DataStream<T> {
    // Flink's KeyedStream.setConnectionType throws: a keyed stream's partitioning is its keys
    // (rebalance, broadcast(...) and the rest would silently drop the keying).
    if (this instanceof KeyedStream) {
      throw new JobDefinitionError(`Cannot override partitioning for KeyedStream: ${partitioner.type === 'custom' ? 'partitionCustom' : partitioner.type}() cannot follow keyBy(); apply it before keyBy(), or after an operator on the keyed stream.`);
    }
    const t = this.env.addTransformation({ kind: 'partition', name: 'Partition', input: this.transformation, partitioner });
    return new DataStream<T>(this.env, t);
  }

  /**
   * @internal
   * `parallelismFromInput`: unless set, the operator runs at this stream's parallelism, not the
   * job's default (see OperatorTransformation).
   */
  protected operator<R>(name: string, operator: OperatorSpec, parallelismFromInput?: true): SingleOutputStreamOperator<R> {
    const t = this.env.addTransformation({ kind: 'operator', name, input: this.transformation, operator, ...(parallelismFromInput ? { parallelismFromInput } : {}) });
    return new SingleOutputStreamOperator<R>(this.env, t);
  }

  /** @internal A map at this stream's parallelism (unless set), as Flink's window join tags each input. */
  mapAtInputParallelism<R>(fn: MapFunctionLike<T, R>): SingleOutputStreamOperator<R> {
    return this.operator<R>('Map', { kind: 'map', fn: fn as MapFunctionLike<unknown, unknown> }, true);
  }

  private sinkOperator(name: string, operator: OperatorSpec): DataStreamSink<T> {
    const t = this.env.addTransformation({ kind: 'operator', name, input: this.transformation, operator });
    return new DataStreamSink<T>(t);
  }
}

/** Setters shared by operators and sinks. */
function configure(t: Transformation, what: 'uid' | 'name' | 'parallelism', value: string | number): void {
  if (what === 'parallelism') {
    if (!Number.isInteger(value) || (value as number) < 1) {
      throw new RangeError(`The parallelism of "${displayName(t)}" must be a positive integer, got ${describeArgument(value)}.`);
    }
    if (t.nonParallel && value !== 1) {
      throw new RangeError(`The parallelism of non parallel operator must be 1, got ${value} for "${displayName(t)}".`);
    }
    t.parallelism = value as number;
  } else if (typeof value !== 'string' || value.length === 0) {
    throw new TypeError(`The ${what} of "${displayName(t)}" must be a non-empty string.`);
  } else if (what === 'uid') t.uid = value;
  else t.name = value;
}

/**
 * What every operator of a job can set, sinks included (Flink has these on both
 * SingleOutputStreamOperator and DataStreamSink): stable id, name, parallelism.
 */
export abstract class OperatorSettings {
  /** @internal */
  abstract readonly transformation: Transformation;
  /** Sets the operator's stable id; state is matched to operators by it on restore. */
  uid(uid: string): this {
    configure(this.transformation, 'uid', uid);
    return this;
  }
  /** Sets the name shown in logs and errors. */
  name(name: string): this {
    configure(this.transformation, 'name', name);
    return this;
  }
  /** Sets the operator's parallelism; wins over the job's default. */
  setParallelism(parallelism: number): this {
    configure(this.transformation, 'parallelism', parallelism);
    return this;
  }
  /**
   * Sets the operator's max parallelism: the number of key groups its keyed state is split into,
   * and so the most subtasks it can ever be rescaled to. Wins over the job's
   * (`env.setMaxParallelism`, `pipeline.max-parallelism`). As in Flink, it must stay the same for
   * the operator's state to be restored; a chained operator runs with the max parallelism of its
   * chain's first operator (Flink's job vertex).
   */
  setMaxParallelism(maxParallelism: number): this {
    const invalid = checkMaxParallelism(maxParallelism);
    if (invalid) throw new RangeError(`${invalid.slice(0, -1)} (operator "${displayName(this.transformation)}").`);
    this.transformation.maxParallelism = maxParallelism;
    return this;
  }
  /** Starts a new chain at this operator: it is not chained to the operator before it (Flink's startNewChain). */
  startNewChain(): this {
    this.transformation.chaining = 'head';
    return this;
  }
  /** Chains this operator to none before or after it: it runs as a task of its own (Flink's disableChaining). */
  disableChaining(): this {
    this.transformation.chaining = 'never';
    return this;
  }
}

// SingleOutputStreamOperator already extends DataStream, so it takes OperatorSettings as a mixin:
// this interface adds the methods to its type, applyMixin after the class to its prototype.
export interface SingleOutputStreamOperator<T> extends OperatorSettings {}

/** A stream produced by an operator, whose uid, name and parallelism can be set. */
export class SingleOutputStreamOperator<T> extends DataStream<T> {
  getName(): string {
    return this.transformation.name;
  }
  /**
   * The records this operator sent to side output `tag` with `ctx.output(tag, value)`, as a
   * stream (with their timestamps, and the operator's watermarks).
   *
   * @example
   * const late = new OutputTag<Event>('late');
   * const main = events.process(new Splitter(late));
   * main.getSideOutput(late).print();
   */
  getSideOutput<X>(tag: OutputTag<X>): DataStream<X> {
    if (!(tag instanceof OutputTagClass)) throw new TypeError('getSideOutput needs an OutputTag, e.g. new OutputTag<string>("late").');
    const t = this.env.addTransformation({ kind: 'sideOutput', name: `SideOutput(${tag.id})`, input: this.transformation, tag: tag as OutputTag<unknown> });
    return new DataStream<X>(this.env, t);
  }
}

applyMixin(SingleOutputStreamOperator, OperatorSettings);

/** The end of a stream: a sink. */
export class DataStreamSink<T> extends OperatorSettings {
  declare readonly _type?: T;
  /** @internal */
  constructor(readonly transformation: Transformation) {
    super();
  }
}

// KeyedStream takes the field aggregations as a mixin, as SingleOutputStreamOperator does OperatorSettings.
export interface KeyedStream<T, K> extends FieldAggregations<T> {}

/**
 * A stream partitioned by key (`keyBy`). Operators on it see one key at a time and may use
 * keyed state and timers.
 */
export class KeyedStream<T, K> extends DataStream<T> {
  /** Folds the records of each key; emits the key's new value for every record. */
  reduce(fn: ReduceFunctionLike<T>): SingleOutputStreamOperator<T> {
    return this.operator<T>('Keyed Reduce', { kind: 'reduce', fn: fn as ReduceFunctionLike<unknown> });
  }

  /** A keyed process function: keyed state and timers in event time and processing time. */
  override process<R>(fn: KeyedProcessFunction<K, T, R> | ProcessFunction<T, R>): SingleOutputStreamOperator<R> {
    return this.operator<R>('KeyedProcess', {
      kind: 'keyedProcess',
      fn: withOnTimer(fn) as unknown as KeyedProcessFunction<unknown, unknown, unknown>,
    });
  }

  /**
   * Joins this stream's elements with `other`'s of the same key whose timestamps lie within an
   * interval of theirs (set with `between`), in event time (Flink's interval join).
   */
  intervalJoin<B>(other: KeyedStream<B, K>): IntervalJoin<T, B, K> {
    if (!(other instanceof KeyedStream)) throw new TypeError('intervalJoin needs a keyed stream: b.keyBy(...).');
    return new IntervalJoin<T, B, K>(this, other);
  }

  /** Groups each key's records into the windows `assigner` gives them (Flink's KeyedStream.window). */
  window<W extends Window>(assigner: WindowAssigner<T, W>): WindowedStream<T, K, W> {
    checkAssigner(assigner);
    return new WindowedStream<T, K, W>(this, assigner, (name, spec) => this.windowOperator(name, spec));
  }

  /**
   * Windows of `size` records per key, fired and purged every `size` records; with `slide`,
   * the last `size` records of the key every `slide` records (Flink's countWindow).
   */
  countWindow(size: number, slide?: number): WindowedStream<T, K, GlobalWindow> {
    const spec = countWindowSpec(size, slide);
    const windowed = this.window(spec.assigner).trigger(spec.trigger);
    return spec.evictor ? windowed.evictor(spec.evictor) : windowed;
  }

  /** @internal */
  reduceFields(fn: ReduceFunctionLike<T>): SingleOutputStreamOperator<T> {
    return this.operator<T>('Keyed Aggregation', { kind: 'reduce', fn: fn as ReduceFunctionLike<unknown> });
  }

  /** @internal the window operator of a windowed stream of this keyed stream */
  windowOperator<R>(name: string, spec: WindowOperatorSpec): SingleOutputStreamOperator<R> {
    return this.operator<R>(name, { kind: 'window', window: spec });
  }
}

applyMixin(KeyedStream, FieldAggregations);

/** Makes `op` an operator of parallelism 1 that refuses another (Flink's forceNonParallel, as windowAll's). */
function nonParallel<R>(op: SingleOutputStreamOperator<R>): SingleOutputStreamOperator<R> {
  op.setParallelism(1);
  op.transformation.nonParallel = true;
  return op;
}
