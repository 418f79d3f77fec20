import { type JobEdge, type JobGraph, type JobVertex, type Source, type StreamNode, WatermarkStrategy, isTwoInputNode } from '../graph/index.js';
import {
  DefaultOperatorStateStore,
  KeyGroupRange,
  type KeyedStateBackend,
  type RestoreAssignment,
  type StateBackendSettings,
  createKeyedStateBackend,
} from '../state/index.js';
import type { Clock } from '../util/clock.js';
import type { InputChannel, ResultSubpartition } from './channel.js';
import { LocalChannel } from './local-channel.js';
import { OperatorIOMetrics, TaskIOMetrics } from './metrics/io-metrics.js';
import { createOperator } from './operators/operator-factory.js';
import { type OperatorContext, StreamOperator } from './operators/stream-operator.js';
import { CopyingChainedOutput, type Output, combineOutputs, withWatermarksToSides } from './output.js';
import { RecordContext } from './record-context.js';
import { RecordWriter, createRecordWriter } from './record-writer.js';
import { StreamingRuntimeContext, type TaskInfo } from './runtime-context.js';
import { createSourceWatermarks } from './sources/source-watermarks.js';
import { SourceAlignment, type WatermarkAlignmentReporter } from './watermarks/watermark-alignment.js';
import { OperatorMetricGroup } from './metrics/user-metrics.js';
import { OneInputStreamTask } from './tasks/one-input-stream-task.js';
import { SOURCE_SPLITS_STATE, SourceStreamTask } from './tasks/source-stream-task.js';
import type { StreamTask } from './tasks/stream-task.js';
import { TwoInputStreamTask, type TypedChannel } from './tasks/two-input-stream-task.js';
import { InternalTimerServiceImpl } from './timers/internal-timer-service-impl.js';

/** Sizes of the data path; defaults suit a 2-core machine. */
export interface ChannelSettings {
  /** Records per batch at a shuffle. */
  readonly batchSize: number;
  /** Batches a channel holds before its producer is held back. */
  readonly channelCapacity: number;
}

export const DEFAULT_CHANNEL_SETTINGS: ChannelSettings = { batchSize: 1024, channelCapacity: 16 };

/** `pipeline.auto-watermark-interval`'s default, in ms (Flink's). */
export const DEFAULT_AUTO_WATERMARK_INTERVAL_MS = 200;

/** What the tasks of one job run with. */
export interface DeploymentSettings extends ChannelSettings {
  readonly jobId: string;
  readonly clock: Clock;
  readonly attemptNumber: number;
  /** Throws unless this process still owns the job; sinks call it before committing on their own. */
  readonly checkOwnership?: (action: string) => void;
  readonly restore?: RestoreAssignment;
  /** Jobs a restore must leave alone: they may still write (see SinkWriterContext.jobsStillWriting). */
  readonly jobsStillWriting?: readonly string[];
  /** Jobs that can never commit what they staged: a restore drops it (see SinkWriterContext.jobsAbandoned). */
  readonly jobsAbandoned?: readonly string[];
  /** Periodic checkpoints are on: sinks commit through a final checkpoint at end of input. */
  readonly checkpointing: boolean;
  /** Where keyed state lives; default: the heap, full checkpoints. */
  readonly stateBackend?: StateBackendSettings;
  /** How often periodic watermark generators run (`pipeline.auto-watermark-interval`), in ms; 0 = never. */
  readonly autoWatermarkIntervalMs?: number;
  /** Wakes the scheduler from an idle wait (asynchronous work of an operator completed). */
  readonly wake?: () => void;
  /** Where aligned sources report their watermarks (`withWatermarkAlignment`); unset = no alignment. */
  readonly alignment?: WatermarkAlignmentReporter;
  /** The job's global parameters, one map every subtask's runtime context gives out (read-only there). */
  readonly globalJobParameters?: ReadonlyMap<string, string>;
  /**
   * `pipeline.object-reuse`: chained operators and the outputs of a fan-out share records, and a
   * shuffle within this thread hands them on as they are. Off (the default), each gets its own
   * copy, as in Flink (see the README's "Object reuse").
   */
  readonly objectReuse?: boolean;
  /** Where a reader's split requests go (SourceReaderContext.sendSplitRequest): the source coordinator of uid `uid`. */
  readonly splitRequests?: (uid: string, subtask: number) => void;
}

/** The heap backend with full checkpoints, when the job names none. */
const DEFAULT_STATE_BACKEND: StateBackendSettings = { type: 'hashmap', incremental: false, localDirectory: '' };

function createKeyedBackend(v: JobVertex, index: number, settings: DeploymentSettings): KeyedStateBackend {
  const range = KeyGroupRange.forSubtask(v.maxParallelism, v.parallelism, index);
  return createKeyedStateBackend(settings.stateBackend ?? DEFAULT_STATE_BACKEND, v.maxParallelism, range, settings.clock);
}

/** The ends of one channel this thread holds: both for a channel within it, one for a channel to or from another thread. */
export interface ChannelEnds {
  readonly out?: ResultSubpartition;
  readonly in?: InputChannel;
}

/**
 * Which subtasks this thread runs, and the channels between subtasks. The default runs every
 * subtask here, over local channels; a worker runs its slot's subtasks (see runtime/workers).
 */
export interface Placement {
  owns(vertex: JobVertex, subtask: number): boolean;
  /** Channel `producer` → `consumer` of edge `edge` (only asked for channels with an end here). */
  channel(edge: JobEdge, producer: number, consumer: number): ChannelEnds;
}

/** Every subtask in this thread, over local channels. */
function localPlacement(capacity: number): Placement {
  return {
    owns: () => true,
    channel: () => {
      const c = new LocalChannel(capacity);
      return { out: c, in: c };
    },
  };
}

/** The channels of one edge: producer subtask × consumer subtask (only the diagonal for forward edges). */
type ChannelMatrix = (ChannelEnds | undefined)[][];

/**
 * The deployed job: every subtask this thread owns of every vertex as a task, wired by channels.
 * Each task's `index` is its place among all subtasks of the job (vertex by vertex), the same
 * in every thread: checkpoints are acknowledged by it.
 */
export function deployTasks(jobGraph: JobGraph, settings: DeploymentSettings, placement: Placement = localPlacement(settings.channelCapacity)): StreamTask[] {
  const channels = new Map<JobEdge, ChannelMatrix>();
  for (const e of jobEdges(jobGraph)) {
    const matrix: ChannelMatrix = [];
    for (let a = 0; a < e.source.parallelism; a++) {
      const row: (ChannelEnds | undefined)[] = [];
      for (const b of channelTargets(e, a)) row.push(placement.owns(e.source, a) || placement.owns(e.target, b) ? placement.channel(e, a, b) : undefined);
      matrix.push(row);
    }
    channels.set(e, matrix);
  }
  const tasks: StreamTask[] = [];
  let index = 0;
  for (const v of jobGraph.vertices) {
    for (let i = 0; i < v.parallelism; i++, index++) {
      if (!placement.owns(v, i)) continue;
      const task = deploySubtask(v, i, channels, settings);
      task.index = index;
      tasks.push(task);
    }
  }
  return tasks;
}

/** The job's edges in one order every thread agrees on (a worker finds a channel's port by an edge's place in it). */
export function jobEdges(jobGraph: JobGraph): JobEdge[] {
  return jobGraph.vertices.flatMap((v) => v.outputs);
}

/** The consumer subtasks producer subtask `a` of edge `e` has a channel to: its own index on a forward edge, every one otherwise. */
export function channelTargets(e: JobEdge, a: number): number[] {
  return e.partitioner.type === 'forward' ? [a] : Array.from({ length: e.target.parallelism }, (_, b) => b);
}

/** The number of subtasks of the job: each acknowledges every checkpoint once. */
export function subtaskCount(jobGraph: JobGraph): number {
  return jobGraph.vertices.reduce((n, v) => n + v.parallelism, 0);
}

function inputChannels(v: JobVertex, index: number, channels: Map<JobEdge, ChannelMatrix>): InputChannel[] {
  return typedInputChannels(v, index, channels).map((t) => t.channel);
}

function outputChannels(e: JobEdge, index: number, channels: Map<JobEdge, ChannelMatrix>): ResultSubpartition[] {
  return channels.get(e)![index]!.map((ends) => ends!.out!);
}

/** The input channels of a subtask whose head has two inputs, each with the input it feeds. */
function typedInputChannels(v: JobVertex, index: number, channels: Map<JobEdge, ChannelMatrix>): TypedChannel[] {
  const result: TypedChannel[] = [];
  for (const e of v.inputs) {
    const input = e.typeNumber ?? 1;
    const matrix = channels.get(e)!;
    if (e.partitioner.type === 'forward') result.push({ channel: matrix[index]![0]!.in!, input });
    else for (const row of matrix) result.push({ channel: row[index]!.in!, input });
  }
  return result;
}

/** An operator's outputs: the main one and, by tag id, the side outputs somebody reads. */
interface NodeOutputs {
  readonly main: Output<unknown>;
  readonly sides: Map<string, Output<unknown>>;
  /** Records emitted to the main output so far (the numRecordsOut metric). */
  readonly emitted: () => number;
}

function deploySubtask(
  v: JobVertex,
  index: number,
  channels: Map<JobEdge, ChannelMatrix>,
  settings: DeploymentSettings,
): StreamTask {
  const info: TaskInfo = {
    jobId: settings.jobId,
    taskName: `${v.name} (${index + 1}/${v.parallelism})`,
    chainName: v.name,
    subtaskIndex: index,
    parallelism: v.parallelism,
    maxParallelism: v.maxParallelism,
    attemptNumber: settings.attemptNumber,
    ...(settings.checkOwnership ? { checkOwnership: settings.checkOwnership } : {}),
    ...(settings.jobsStillWriting ? { jobsStillWriting: settings.jobsStillWriting } : {}),
    ...(settings.jobsAbandoned ? { jobsAbandoned: settings.jobsAbandoned } : {}),
    checkpointing: settings.checkpointing,
    ...(settings.globalJobParameters ? { globalJobParameters: settings.globalJobParameters } : {}),
  };
  const watermarkInterval = settings.autoWatermarkIntervalMs ?? DEFAULT_AUTO_WATERMARK_INTERVAL_MS;
  const objectReuse = settings.objectReuse === true;
  // One timestamp slot for the whole chain and its writers (see RecordContext).
  const recordContext = new RecordContext();
  recordContext.processingTime = settings.clock.now();
  const keyedBackend = v.head.keyed ? createKeyedBackend(v, index, settings) : undefined;
  const operators = new Map<StreamNode, StreamOperator>();
  const sideOutputs = new Map<StreamNode, Map<string, Output<unknown>>>();
  for (const node of v.nodes) {
    if (!node.operator) continue;
    const restored = settings.restore?.(node.uid, index);
    const timerService = node.keyed ? new InternalTimerServiceImpl(keyedBackend!, settings.clock, recordContext, node.uid) : undefined;
    if (restored && node.keyed) {
      for (const block of restored.keyGroups) keyedBackend!.restoreKeyGroup(block, restored.kinds);
      keyedBackend!.restoredKeyKinds(node.uid, restored);
      timerService!.restore(restored.legacyTimers);
    }
    const sides = new Map<string, Output<unknown>>();
    sideOutputs.set(node, sides);
    const ctx: OperatorContext = {
      info,
      node,
      clock: settings.clock,
      runtimeContext: new StreamingRuntimeContext(info, node.keyed ? keyedBackend : undefined),
      recordContext,
      keyedBackend: node.keyed ? keyedBackend : undefined,
      timerService,
      operatorStateStore: new DefaultOperatorStateStore(restored?.lists, restored !== undefined),
      autoWatermarkIntervalMs: watermarkInterval,
      sideOutput: (tag) => sides.get(tag.id),
      ...(settings.wake ? { wake: settings.wake } : {}),
    };
    operators.set(node, createOperator(node.operator, ctx));
  }
  const writers: RecordWriter[] = [];
  /**
   * Each node's outputs (main and side outputs by tag), and how many records it has emitted to
   * its main output: what the first of them took in (a chained operator counts what it takes; a
   * writer what it sends, per batch). Every main output of a node gets every record, so any one
   * of them tells.
   */
  const outputsOf = (node: StreamNode): NodeOutputs => {
    const byTag = new Map<string | undefined, Output<unknown>[]>();
    const add = (tag: string | undefined, out: Output<unknown>) => {
      const list = byTag.get(tag);
      if (list) list.push(out);
      else byTag.set(tag, [out]);
    };
    for (const edge of node.outEdges) {
      const chained = operators.get(edge.target);
      if (chained && v.nodes.includes(edge.target)) add(edge.outputTag, objectReuse ? chained : new CopyingChainedOutput(chained));
    }
    for (const e of v.outputs) {
      if (e.sourceNode !== node) continue;
      const writer = createRecordWriter(e.partitioner, outputChannels(e, index, channels), {
        batchSize: settings.batchSize,
        maxParallelism: e.target.maxParallelism,
        subtaskIndex: index,
        producers: v.parallelism,
        recordContext,
        objectReuse,
      });
      writers.push(writer);
      add(e.outputTag, writer);
    }
    const sides = new Map<string, Output<unknown>>();
    for (const [tag, outs] of byTag) if (tag !== undefined) sides.set(tag, combineOutputs(outs));
    const mains = byTag.get(undefined) ?? [];
    const first = mains[0] instanceof CopyingChainedOutput ? mains[0].operator : mains[0];
    const emitted = first instanceof StreamOperator ? () => first.numRecordsIn : first instanceof RecordWriter ? () => first.recordsOut : () => 0;
    return { main: combineOutputs(mains), sides, emitted };
  };
  const emitted = new Map<StreamNode, () => number>();
  for (const [node, op] of operators) {
    const o = outputsOf(node);
    op.output = o.main;
    const slots = sideOutputs.get(node)!;
    for (const [tag, out] of o.sides) slots.set(tag, out);
    op.sideOutputs = slots;
    emitted.set(node, o.emitted);
  }
  const chain = v.nodes.filter((n) => n.operator).map((n) => operators.get(n)!);
  const source = v.head.source;
  let task: StreamTask;
  let readerMetrics: OperatorMetricGroup | undefined;
  if (source) {
    readerMetrics = new OperatorMetricGroup();
    let sourceTask: SourceStreamTask | undefined;
    const notifyAvailable = () => {
      sourceTask?.pollNow();
      settings.wake?.();
    };
    const uid = v.head.uid;
    const requests = settings.splitRequests;
    const enumerated = source.createEnumerator !== undefined;
    const reader = source.createReader({
      subtaskIndex: index,
      parallelism: v.parallelism,
      clock: settings.clock,
      metricGroup: readerMetrics.root,
      notifyAvailable,
      ...(enumerated && requests ? { sendSplitRequest: () => requests(uid, index) } : {}),
    });
    // A restored source continues from its recorded splits (none left = it had finished, or, with
    // an enumerator, holds none now and asks); a fresh one with an enumerator starts without.
    const restored = settings.restore?.(uid, index);
    const splits = restored
      ? (restored.lists.get(SOURCE_SPLITS_STATE)?.values ?? [])
      : enumerated
        ? []
        : staticSplits(source, v.parallelism).filter((_, i) => i % v.parallelism === index);
    reader.addSplits(splits);
    const o = outputsOf(v.head);
    emitted.set(v.head, o.emitted);
    const strategy = v.head.watermarkStrategy ?? WatermarkStrategy.noWatermarks();
    const params = strategy.getAlignment();
    const alignment = params && settings.alignment ? new SourceAlignment(params, `${v.head.uid}#${index}`, settings.alignment, settings.clock.now()) : undefined;
    // An aligned source measures idleness on a clock that stops while it waits for alignment.
    const clock = alignment ? alignment.activityClock(settings.clock) : settings.clock;
    const watermarks = createSourceWatermarks({ strategy, chain: withWatermarksToSides(o.main, [...o.sides.values()]), recordContext, clock });
    sourceTask = new SourceStreamTask(info.taskName, v.head, info, reader, watermarks, recordContext, watermarkInterval, chain, writers, settings.clock.now());
    sourceTask.alignment = alignment;
    task = sourceTask;
  } else if (isTwoInputNode(v.head)) {
    task = new TwoInputStreamTask(info.taskName, typedInputChannels(v, index, channels), keyedBackend, recordContext, chain, writers);
  } else {
    task = new OneInputStreamTask(info.taskName, inputChannels(v, index, channels), keyedBackend, recordContext, chain, writers);
  }
  task.metrics = taskMetrics(v, index, settings.attemptNumber, task, writers, operators, emitted, readerMetrics);
  return task;
}

/** The splits of a source without an enumerator, dealt round robin to its readers. */
function staticSplits(source: Source<unknown, unknown>, parallelism: number): unknown[] {
  if (source.createSplits === undefined) throw new TypeError('A source needs createSplits(parallelism) or createEnumerator(context): it has neither.');
  return source.createSplits(parallelism);
}

/**
 * The metrics of a deployed subtask: each operator counts what it takes in; a source has no
 * operator and what it emitted is what it read (FLIP-33).
 */
function taskMetrics(
  v: JobVertex,
  index: number,
  attempt: number,
  task: StreamTask,
  writers: readonly RecordWriter[],
  operators: ReadonlyMap<StreamNode, StreamOperator>,
  emitted: ReadonlyMap<StreamNode, () => number>,
  /** What a source's reader registered (the head node has no operator). */
  readerMetrics?: OperatorMetricGroup,
): TaskIOMetrics {
  const isSource = v.head.source !== undefined;
  const metrics = new TaskIOMetrics(
    v.id,
    index,
    attempt,
    isSource,
    () => writers.reduce((n, w) => n + w.recordsOut, 0),
    () => task.currentInputWatermark(),
  );
  metrics.operators = v.nodes.map((node) => {
    const out = emitted.get(node) ?? (() => 0);
    const op = operators.get(node);
    const into = op ? () => op.numRecordsIn : out;
    return new OperatorIOMetrics(node.uid, node.name, node.outEdges.length === 0, into, out, op ? op.userMetrics : readerMetrics);
  });
  return metrics;
}
