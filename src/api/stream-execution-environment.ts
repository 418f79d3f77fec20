import { availableParallelism } from 'node:os';
import type { Source, Transformation } from '../graph/index.js';
import { type StateBackendName, STATE_BACKEND_NAMES, checkMaxParallelism, isStateBackendName } from '../state/index.js';
import { CollectionSource } from '../connectors/collection-source.js';
import { NumberSequenceSource } from '../connectors/number-sequence-source.js';
import { SocketTextSource } from '../connectors/socket-text-source.js';
import { TextFileSource } from '../connectors/text-file-source.js';
import { WatermarkStrategy } from '../graph/watermark-strategy.js';
import { CheckpointConfig, type CheckpointingMode } from './checkpoint-config.js';
import { ExecutionConfig } from './execution-config.js';
import { SingleOutputStreamOperator } from './data-stream.js';
import type { CollectResultIterator } from './collect-result-iterator.js';
import { type JobClient, type JobExecutionResult, type JobSettings, type Pipeline, type PipelineExecutor, currentExecutor } from './pipeline-executor.js';
import type { RestartStrategyConfiguration } from './restart-strategies.js';
import { JobDefinitionError } from '../util/errors.js';
import { describeArgument } from '../util/describe-argument.js';

type NewTransformation = Transformation extends infer T
  ? T extends Transformation
    ? Omit<T, 'id' | 'uid' | 'parallelism' | 'envParallelism'>
    : never
  : never;

/**
 * The state backends this engine offers (`state.backend.type`): `hashmap` keeps keyed state as
 * JS values on the heap (fastest); `lmdb` keeps it in an embedded on-disk store, for state
 * larger than memory (Flink's RocksDB backend plays this role).
 */
export type { StateBackendName };

/** Options of {@link StreamExecutionEnvironment.setStateBackend}. */
export interface StateBackendOptions {
  /**
   * Checkpoints write only what changed since the previous one, referring to unchanged state
   * in `shared/` (`execution.checkpointing.incremental`); savepoints stay full.
   */
  readonly incremental?: boolean;
}

/**
 * The context a job is defined and run in. In a job run by `flink run` it carries the CLI's
 * configuration; in a job run as a plain program (`npx tsx job.ts`) it runs locally with
 * defaults.
 *
 * @example
 * const env = StreamExecutionEnvironment.getExecutionEnvironment();
 * env.fromSequence(1, 10).map((n) => n * 2).print();
 * await env.execute('doubles');
 */
export class StreamExecutionEnvironment {
  private readonly transformations: Transformation[] = [];
  private nextId = 0;
  private parallelism: number | undefined;
  private maxParallelism: number | undefined;
  private stateBackend: string | undefined;
  private incrementalCheckpoints: boolean | undefined;
  private restartStrategy: RestartStrategyConfiguration | undefined;
  private chaining = true;
  private readonly checkpointConfig = new CheckpointConfig();
  private readonly executionConfig = new ExecutionConfig(() => this.executor.objectReuse?.() ?? false);
  /** Collect sinks' iterators waiting for their job to start (see `DataStream.collectAsync`). */
  private readonly unboundCollects: CollectResultIterator<unknown>[] = [];
  private collectTokens = 0;

  private constructor(private readonly executor: PipelineExecutor) {}

  /** The environment of the current context: the CLI's when run by `flink run`, else local. */
  static getExecutionEnvironment(): StreamExecutionEnvironment {
    return new StreamExecutionEnvironment(currentExecutor());
  }

  /**
   * An environment as {@link getExecutionEnvironment}'s (the CLI's under `flink run`, so the job
   * is tracked as any other), with its parallelism set as `setParallelism(parallelism)` sets it:
   * in code, so it wins over `flink run -p` and `parallelism.default`. Without an argument, the
   * number of CPUs (`os.availableParallelism()`), as Flink's local environment defaults to its
   * cores. Flink's own starts a local mini-cluster even under `flink run`; here every job of a
   * process runs in that process already, so only the parallelism differs.
   *
   * @example
   * const env = StreamExecutionEnvironment.createLocalEnvironment(2);
   */
  static createLocalEnvironment(parallelism: number = availableParallelism()): StreamExecutionEnvironment {
    return StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(parallelism);
  }

  /**
   * Sets the default parallelism of the operators added after it (wins over `-p` and config), as
   * in Flink: operators added before keep the parallelism they were added with.
   */
  setParallelism(parallelism: number): this {
    if (!Number.isInteger(parallelism) || parallelism < 1) {
      throw new RangeError(`The parallelism must be a positive integer, got ${describeArgument(parallelism)}.`);
    }
    this.parallelism = parallelism;
    return this;
  }

  /**
   * The parallelism of the operators added from now on: the one set in code, else the configured
   * default (`flink run -p`, `parallelism.default`), as Flink's reads it from its configuration.
   */
  getParallelism(): number {
    return this.parallelism ?? this.configuredParallelism();
  }

  /** @internal The parallelism from outside the code (`-p`, `parallelism.default`): operators added before any `setParallelism` get it. */
  configuredParallelism(): number {
    return this.executor.defaultParallelism?.() ?? 1;
  }

  /** Sets the number of key groups: the upper bound of parallelism for keyed state. */
  setMaxParallelism(maxParallelism: number): this {
    const invalid = checkMaxParallelism(maxParallelism);
    if (invalid) throw new RangeError(invalid);
    this.maxParallelism = maxParallelism;
    return this;
  }

  getMaxParallelism(): number {
    return this.maxParallelism ?? -1;
  }

  /** Turns on periodic checkpoints every `intervalMs`. */
  enableCheckpointing(intervalMs: number, mode?: CheckpointingMode): this {
    this.checkpointConfig.setCheckpointInterval(intervalMs);
    if (mode !== undefined) this.checkpointConfig.setCheckpointingMode(mode);
    return this;
  }

  getCheckpointConfig(): CheckpointConfig {
    return this.checkpointConfig;
  }

  /** How the job runs, e.g. `getConfig().setAutoWatermarkInterval(100)`. */
  getConfig(): ExecutionConfig {
    return this.executionConfig;
  }

  /**
   * Chooses the state backend (`state.backend.type`) and, optionally, incremental checkpoints
   * (`execution.checkpointing.incremental`), like `new EmbeddedRocksDBStateBackend(true)` in Flink.
   */
  setStateBackend(backend: StateBackendName, options: StateBackendOptions = {}): this {
    if (!isStateBackendName(backend)) throw new RangeError(`Unknown state backend '${String(backend)}'; available: ${STATE_BACKEND_NAMES.join(', ')}.`);
    this.stateBackend = backend;
    if (options.incremental !== undefined) this.incrementalCheckpoints = options.incremental;
    return this;
  }

  /** Chooses how the job restarts after a failure (`restart-strategy.*`). */
  setRestartStrategy(strategy: RestartStrategyConfiguration): this {
    this.restartStrategy = strategy;
    return this;
  }

  /** Turns operator chaining off (each operator its own task; for debugging). */
  disableOperatorChaining(): this {
    this.chaining = false;
    return this;
  }

  /** A stream of the given elements, in order (parallelism 1). */
  fromElements<T>(...elements: T[]): SingleOutputStreamOperator<T> {
    return this.addSource(new CollectionSource(elements), 'Collection Source');
  }

  /** A stream of the collection's elements, in order (parallelism 1). */
  fromCollection<T>(collection: Iterable<T>): SingleOutputStreamOperator<T> {
    return this.addSource(new CollectionSource(collection), 'Collection Source');
  }

  /**
   * A stream of the given elements, in order (parallelism 1): Flink's `fromData`, which
   * replaces `fromElements` and `fromCollection` there. As in Flink, one argument that is a
   * collection (an array or a Set) is the collection of elements: `fromData([1, 2])` is 1 then 2;
   * for a stream of one array, `fromData([[1, 2]])`.
   */
  fromData<T>(collection: readonly T[] | ReadonlySet<T>): SingleOutputStreamOperator<T>;
  fromData<T>(...elements: T[]): SingleOutputStreamOperator<T>;
  fromData<T>(...args: unknown[]): SingleOutputStreamOperator<T> {
    const only = args.length === 1 ? args[0] : undefined;
    const elements = Array.isArray(only) || only instanceof Set ? (only as Iterable<T>) : (args as T[]);
    return this.addSource(new CollectionSource(elements), 'Collection Source');
  }

  /** The numbers `from` to `to`, both inclusive, read in parallel. */
  fromSequence(from: number, to: number): SingleOutputStreamOperator<number> {
    return this.addSource(new NumberSequenceSource(from, to), 'Sequence Source');
  }

  /** The lines of a UTF-8 text file. */
  readTextFile(path: string): SingleOutputStreamOperator<string> {
    return this.addSource(new TextFileSource(path), `readTextFile(${path})`);
  }

  /**
   * The text a server sends over TCP, cut at `delimiter` (Flink's socketTextStream; see
   * SocketTextSource): `maxRetry` reconnections after the server closes (-1: for ever). Not
   * replayable: after a restore it connects anew, and what arrived after the last checkpoint is
   * lost. For trying things out, e.g. with `nc -lk 9999`.
   */
  socketTextStream(hostname: string, port: number, delimiter = '\n', maxRetry = 0): SingleOutputStreamOperator<string> {
    return this.addSource(new SocketTextSource(hostname, port, delimiter, maxRetry), 'Socket Stream');
  }

  /**
   * A stream from a {@link Source}, such as a DataGeneratorSource. `watermarkStrategy` assigns
   * timestamps and generates watermarks per source split (Flink's FLIP-27 behaviour); use
   * `WatermarkStrategy.noWatermarks()` for a stream without event time.
   */
  fromSource<T>(source: Source<T>, watermarkStrategy: WatermarkStrategy<T>, sourceName: string): SingleOutputStreamOperator<T> {
    if (!(watermarkStrategy instanceof WatermarkStrategy)) {
      throw new TypeError('fromSource needs a WatermarkStrategy, e.g. WatermarkStrategy.noWatermarks().');
    }
    return this.addSource(source, sourceName, watermarkStrategy);
  }

  /**
   * Runs the job and resolves when it ends (never, for an unbounded job that is not cancelled).
   * Iterators from `collectAsync()` keep every result until read, however many: with many
   * results, read them while the job runs (`executeAsync()`).
   */
  async execute(jobName = 'Flink Streaming Job'): Promise<JobExecutionResult> {
    if (this.unboundCollects.length === 0) return this.executor.execute(this.pipeline(jobName));
    return (await this.start(jobName, true)).getJobExecutionResult();
  }

  /**
   * Starts the job and returns at once (Flink's executeAsync): its client cancels it or awaits
   * its result. Iterators from `collectAsync()` read this job's results.
   */
  executeAsync(jobName = 'Flink Streaming Job'): Promise<JobClient> {
    return this.start(jobName, false);
  }

  private async start(jobName: string, holdsAll: boolean): Promise<JobClient> {
    if (!this.executor.executeAsync) throw new TypeError('This environment runs jobs only to their end: use execute().');
    const collects = this.unboundCollects.splice(0);
    const pipeline = this.pipeline(jobName);
    const client = await this.executor.executeAsync(pipeline);
    for (const c of collects) c.bind(client, holdsAll);
    return client;
  }

  /** @internal Registers a collect sink's iterator, bound to the next job this environment starts. */
  registerCollect(iterator: CollectResultIterator<unknown>): void {
    this.unboundCollects.push(iterator);
  }

  /** @internal A name for the next collect sink, the same in every thread that runs the job file. */
  nextCollectToken(): string {
    return `collect-${this.collectTokens++}`;
  }

  private pipeline(jobName: string): Pipeline {
    const settings: JobSettings = {
      parallelism: this.parallelism,
      maxParallelism: this.maxParallelism,
      checkpoint: { ...this.checkpointConfig.settings },
      stateBackend: this.stateBackend,
      incrementalCheckpoints: this.incrementalCheckpoints,
      restartStrategy: this.restartStrategy,
      operatorChaining: this.chaining,
      autoWatermarkInterval: this.executionConfig.autoWatermarkIntervalSetting,
      objectReuse: this.executionConfig.objectReuseSetting,
      globalJobParameters: this.executionConfig.globalJobParametersSetting,
    };
    // As Flink's getStreamGraph: a job takes the operators added since the last one (and what
    // they read from), so a second execute() runs only what was added after the first. A source
    // is part of a job only through what reads it, as in Flink (its addOperator skips sources):
    // one built and left unread must not run — an unbounded one would keep the job from ending.
    const added = this.transformations.splice(0);
    const transformations = withInputs(added.filter((t) => t.kind === 'operator' || t.kind === 'twoInputOperator'));
    if (transformations.length === 0 && added.some((t) => t.kind === 'source')) {
      throw new JobDefinitionError(
        'The job has no operators: a source nothing reads from does not run (as in Flink, "No operators defined in streaming topology"). Give it a sink, e.g. .print().',
      );
    }
    return { jobName, transformations, settings };
  }

  /** @internal Records a transformation and gives it an id. */
  addTransformation<T extends NewTransformation>(t: T): Transformation {
    const envParallelism = this.parallelism !== undefined ? { envParallelism: this.parallelism } : {};
    const full = { ...t, id: this.nextId++, uid: undefined, parallelism: undefined, ...envParallelism } as unknown as Transformation;
    this.transformations.push(full);
    return full;
  }

  private addSource<T>(source: Source<T>, name: string, strategy: WatermarkStrategy<T> = WatermarkStrategy.noWatermarks()): SingleOutputStreamOperator<T> {
    const t = this.addTransformation({
      kind: 'source',
      name,
      source: source as Source<unknown>,
      watermarkStrategy: strategy as WatermarkStrategy<unknown>,
      // A source that reads in one subtask only refuses another parallelism at once, as Flink's
      // non-parallel sources do (fromElements, socketTextStream); a larger limit is checked when
      // the graph is built.
      ...(source.maxSourceParallelism === 1 ? { nonParallel: true as const } : {}),
    });
    return new SingleOutputStreamOperator<T>(this, t);
  }
}

/** `transformations` and every transformation they read from, directly or not, in the order they were added. */
function withInputs(transformations: readonly Transformation[]): Transformation[] {
  const all = new Map<number, Transformation>();
  const visit = (t: Transformation): void => {
    if (all.has(t.id)) return;
    all.set(t.id, t);
    if (t.kind === 'twoInputOperator') {
      visit(t.input1);
      visit(t.input2);
    } else if (t.kind === 'union') {
      for (const i of t.inputs) visit(i);
    } else if (t.kind !== 'source') {
      visit(t.input);
    }
  };
  for (const t of transformations) visit(t);
  return [...all.values()].sort((a, b) => a.id - b.id);
}
