/**
 * StreamGraph: the job as operators (nodes) and edges with resolved parallelism, uids and
 * partitioners. Virtual transformations (partition, union, side output) become edge properties here.
 */
import { createHash } from 'node:crypto';
import { UPPER_BOUND_MAX_PARALLELISM } from '../state/index.js';
import { JobDefinitionError } from '../util/errors.js';
import type { OperatorUid } from '../util/ids.js';
import { AbstractRichFunction } from './functions.js';
import { checkpointedFunctionOf } from './wrapping-function.js';
import type { Source } from './source.js';
import type { WatermarkStrategy } from './watermark-strategy.js';
import type { TwoInputOperatorSpec } from './two-input-spec.js';
import {
  KEYED_OPERATOR_KINDS,
  type OperatorSpec,
  type ChainingStrategy,
  type PartitionerSpec,
  type Transformation,
  displayName,
} from './transformation.js';

/** One operator of the job. */
export interface StreamNode {
  readonly id: number;
  readonly name: string;
  readonly uid: OperatorUid;
  /** True if the user set the uid; auto uids change when the graph's shape changes. */
  readonly uidIsExplicit: boolean;
  readonly parallelism: number;
  readonly maxParallelism: number;
  /** How the operator chains (Flink's ChainingStrategy): absent = with its neighbours where it can. */
  readonly chaining: ChainingStrategy | undefined;
  readonly source: Source<unknown> | undefined;
  /** A source's watermark strategy. */
  readonly watermarkStrategy: WatermarkStrategy<unknown> | undefined;
  /** A two-input spec for operators with two logical inputs (their in-edges say which is which). */
  readonly operator: OperatorSpec | TwoInputOperatorSpec | undefined;
  readonly inEdges: StreamEdge[];
  readonly outEdges: StreamEdge[];
  /** Runs after keyBy with keyed state and timers. */
  readonly keyed: boolean;
  /** May hold state that a checkpoint must carry. */
  readonly stateful: boolean;
}

/** A connection between two operators. */
export interface StreamEdge {
  readonly source: StreamNode;
  readonly target: StreamNode;
  readonly partitioner: PartitionerSpec;
  /** Set when the edge carries the source operator's side output with this tag id, not its main output. */
  readonly outputTag?: string;
  /** Which input of a two-input operator the edge feeds (undefined for one-input operators). */
  readonly typeNumber?: 1 | 2;
}

/** True if the node is a two-input operator: it heads its chain. */
export function isTwoInputNode(node: StreamNode): boolean {
  return node.operator !== undefined && TWO_INPUT_KINDS.has(node.operator.kind as TwoInputOperatorSpec['kind']);
}

const TWO_INPUT_KINDS: ReadonlySet<TwoInputOperatorSpec['kind']> = new Set([
  'coMap',
  'coFlatMap',
  'coProcess',
  'keyedCoProcess',
  'broadcastProcess',
  'keyedBroadcastProcess',
  'intervalJoin',
]);

/** The resolved job. */
export interface StreamGraph {
  readonly jobName: string;
  /** Nodes in topological order. */
  readonly nodes: readonly StreamNode[];
  readonly maxParallelism: number;
  /** Things the user should know at submission (e.g. stateful operators without a uid). */
  readonly warnings: readonly string[];
}

/** Settings the graph is resolved with. */
export interface StreamGraphSettings {
  readonly jobName: string;
  readonly defaultParallelism: number;
  readonly maxParallelism: number;
  readonly chaining: boolean;
}

function checkParallelism(t: Transformation, p: number | undefined, maxParallelism: number): void {
  if (p === undefined) return;
  if (!Number.isInteger(p) || p < 1) {
    throw new JobDefinitionError(`Invalid parallelism ${p} for operator "${displayName(t)}": it must be a positive integer.`);
  }
  if (p > maxParallelism) {
    throw new JobDefinitionError(
      `The parallelism ${p} of operator "${displayName(t)}" exceeds ${maxParallelismSource(t, maxParallelism)}. Raise it or lower the parallelism.`,
    );
  }
}

/** Names the max parallelism an operator runs with and where it was set, for messages. */
function maxParallelismSource(t: Transformation, maxParallelism: number): string {
  return t.maxParallelism !== undefined
    ? `its max parallelism ${maxParallelism} (setMaxParallelism)`
    : `the max parallelism ${maxParallelism} (pipeline.max-parallelism)`;
}

/**
 * The job's default parallelism exceeds its max parallelism: a subtask would own no key group.
 * Flink refuses this too; unlike Flink, the max parallelism does not grow with the parallelism
 * (it stays 128 unless set), so the message says which setting to raise.
 */
function defaultParallelismTooHigh(t: Transformation, parallelism: number, maxParallelism: number): JobDefinitionError {
  const exceeded = `The parallelism ${parallelism} (parallelism.default, -p or setParallelism) exceeds`;
  const bound = `(at most ${UPPER_BOUND_MAX_PARALLELISM})`;
  return new JobDefinitionError(
    t.maxParallelism !== undefined
      ? `${exceeded} the max parallelism ${maxParallelism} that operator "${displayName(t)}" set with setMaxParallelism. Raise it ${bound} or lower the parallelism.`
      : `${exceeded} the max parallelism ${maxParallelism} (pipeline.max-parallelism). Raise pipeline.max-parallelism ${bound} or lower the parallelism.`,
  );
}

/**
 * The most channels one job process wires between its subtasks. A keyBy or rebalance connects
 * every upstream subtask to every downstream one, so channels grow with the square of the
 * parallelism: 1024 × 1024 already takes ~0.5 GB, and -p 32768 would exhaust any heap while the
 * process, busy wiring, could not even be stopped.
 */
export const MAX_CHANNELS = 1 << 20;

function checkChannelCount(nodes: readonly StreamNode[]): void {
  let total = 0;
  let widest: { edge: StreamEdge; channels: number } | undefined;
  for (const node of nodes) {
    for (const edge of node.outEdges) {
      const channels = edge.partitioner.type === 'forward' ? edge.target.parallelism : edge.source.parallelism * edge.target.parallelism;
      total += channels;
      if (!widest || channels > widest.channels) widest = { edge, channels };
    }
  }
  if (total <= MAX_CHANNELS || !widest) return;
  const { source, target } = widest.edge;
  throw new JobDefinitionError(
    `The job needs ${total} channels between its subtasks ("${source.name}" to "${target.name}" alone ${widest.channels}); ` +
      `one job process wires at most ${MAX_CHANNELS}. ` +
      'Lower the parallelism (-p, parallelism.default or setParallelism).',
  );
}

/**
 * A rich map, flatMap or filter function right after `keyBy` has keyed state, as in Flink
 * (every operator of a KeyedStream gets the keyed backend: Flink's CountWindowAverage example
 * keeps a ValueState in a RichFlatMapFunction). Only a rich function can reach its runtime
 * context, so a plain function after keyBy gets no keyed backend and pays nothing per record.
 */
function keyedRichFunction(spec: OperatorSpec | TwoInputOperatorSpec | undefined): boolean {
  return spec !== undefined && (spec.kind === 'map' || spec.kind === 'flatMap' || spec.kind === 'filter') && spec.fn instanceof AbstractRichFunction;
}

function isStateful(spec: OperatorSpec | TwoInputOperatorSpec | undefined, source: Source<unknown> | undefined): boolean {
  if (source) return true;
  if (!spec) return false;
  if (KEYED_OPERATOR_KINDS.has(spec.kind)) return true;
  if (spec.kind === 'sink' || spec.kind === 'broadcastProcess') return true;
  return 'fn' in spec && checkpointedFunctionOf(spec.fn) !== undefined;
}

/** Builds the StreamGraph of every transformation the environment recorded. */
export function buildStreamGraph(transformations: readonly Transformation[], settings: StreamGraphSettings): StreamGraph {
  const { defaultParallelism } = settings;
  const byTransformation = new Map<number, StreamNode>();
  const nodes: StreamNode[] = [];
  const explicitUids = new Map<string, string>();
  const warnings: string[] = [];
  const sorted = [...transformations].sort((a, b) => a.id - b.id);

  type Input = [node: StreamNode, partitioner: PartitionerSpec | undefined, outputTag: string | undefined];
  const resolveInputs = (t: Transformation, partitioner?: PartitionerSpec, outputTag?: string): Input[] => {
    switch (t.kind) {
      case 'source':
      case 'operator':
      case 'twoInputOperator': {
        const node = byTransformation.get(t.id);
        if (!node) throw new Error(`internal: transformation ${t.id} used before it was defined`);
        return [[node, partitioner, outputTag]];
      }
      // The partitioning closest to the consumer wins, as in Flink's StreamGraph (a virtual
      // partition node's partitioner applies only if none was set after it): in
      // `rebalance().keyBy(k)` the records are hashed by key, and keyed state finds its keys.
      case 'partition':
        return resolveInputs(t.input, partitioner ?? t.partitioner, outputTag);
      case 'sideOutput':
        return resolveInputs(t.input, partitioner, t.tag.id);
      case 'union':
        return t.inputs.flatMap((i) => resolveInputs(i, partitioner, outputTag));
    }
  };

  for (const t of sorted) {
    if (t.kind === 'partition' || t.kind === 'union' || t.kind === 'sideOutput') continue;
    type Typed = [...Input, typeNumber: 1 | 2 | undefined];
    const inputs: Typed[] =
      t.kind === 'operator'
        ? resolveInputs(t.input).map((i): Typed => [...i, undefined])
        : t.kind === 'twoInputOperator'
          ? [...resolveInputs(t.input1).map((i): Typed => [...i, 1]), ...resolveInputs(t.input2).map((i): Typed => [...i, 2])]
          : [];
    const inheritedFrom = t.kind === 'operator' && t.parallelismFromInput ? inputs[0]?.[0] : undefined;
    // The operator's own max parallelism wins over the job's (Flink's Transformation#setMaxParallelism).
    // One that takes its input's parallelism beyond the job's max parallelism (the input set a
    // higher one) takes the input's too: in Flink it chains into the input's vertex, whose max
    // parallelism is the input's, so the job runs; anywhere else the job's stays, as before.
    const inheritsMax = t.parallelism === undefined && inheritedFrom !== undefined && inheritedFrom.parallelism > settings.maxParallelism;
    const maxParallelism = t.maxParallelism ?? (inheritsMax ? inheritedFrom.maxParallelism : settings.maxParallelism);
    checkParallelism(t, t.parallelism, maxParallelism);
    const source = t.kind === 'source' ? t.source : undefined;
    const operator = t.kind === 'operator' || t.kind === 'twoInputOperator' ? t.operator : undefined;
    let parallelism = t.parallelism ?? inheritedFrom?.parallelism ?? t.envParallelism ?? defaultParallelism;
    const sourceLimit = source?.maxSourceParallelism;
    if (sourceLimit !== undefined && parallelism > sourceLimit) {
      if (t.parallelism !== undefined) {
        throw new JobDefinitionError(
          `Source "${displayName(t)}" supports a parallelism of at most ${sourceLimit}, but ${t.parallelism} was set.`,
        );
      }
      parallelism = sourceLimit;
    }
    // A savepoint's bootstrap runs at the job's parallelism but at most at the savepoint's max
    // parallelism, as Flink's StateBootstrapTransformation caps it (keyed or not): a larger one
    // would leave subtasks without key groups, and the savepoint's max parallelism is the user's
    // choice. (A broadcast bootstrap has its parallelism set: 1.)
    const bootstrap = operator?.kind === 'keyedStateBootstrap' || operator?.kind === 'windowStateBootstrap' || operator?.kind === 'operatorStateBootstrap';
    if (bootstrap && t.parallelism === undefined && parallelism > maxParallelism) parallelism = maxParallelism;
    if (parallelism > maxParallelism) throw defaultParallelismTooHigh(t, parallelism, maxParallelism);
    const keyed =
      (operator !== undefined && KEYED_OPERATOR_KINDS.has(operator.kind)) ||
      (t.kind === 'twoInputOperator' && t.keyed) ||
      (keyedRichFunction(operator) && inputs.length > 0 && inputs.every(([, p]) => p?.type === 'hash'));
    if (t.uid !== undefined) {
      if (typeof t.uid !== 'string' || t.uid.length === 0) {
        throw new JobDefinitionError(`Operator "${displayName(t)}" has an empty uid; a uid must be a non-empty string.`);
      }
      const other = explicitUids.get(t.uid);
      if (other !== undefined) {
        throw new JobDefinitionError(
          `Duplicate operator uid '${t.uid}' on "${other}" and "${displayName(t)}": every uid must be unique within a job.`,
        );
      }
      explicitUids.set(t.uid, displayName(t));
    }
    const uid = (t.uid ?? autoUid(nodes.length, t, operator, inputs.map(([n]) => n.uid))) as OperatorUid;
    const node: StreamNode = {
      id: t.id,
      name: displayName(t),
      uid,
      uidIsExplicit: t.uid !== undefined,
      parallelism,
      maxParallelism,
      chaining: t.chaining,
      source,
      watermarkStrategy: t.kind === 'source' ? t.watermarkStrategy : undefined,
      operator,
      inEdges: [],
      outEdges: [],
      keyed,
      stateful: keyed || isStateful(operator, source),
    };
    for (const [up, partitioner, outputTag, typeNumber] of inputs) {
      const resolved = partitioner ?? (up.parallelism === parallelism ? { type: 'forward' as const } : { type: 'rebalance' as const });
      if (resolved.type === 'forward' && up.parallelism !== parallelism) {
        throw new JobDefinitionError(
          `Forward partitioning does not allow a change of parallelism: "${up.name}" has ${up.parallelism} and "${displayName(t)}" has ${parallelism}. Use rebalance() or equal parallelism.`,
        );
      }
      const edge: StreamEdge = {
        source: up,
        target: node,
        partitioner: resolved,
        ...(outputTag !== undefined ? { outputTag } : {}),
        ...(typeNumber !== undefined ? { typeNumber } : {}),
      };
      up.outEdges.push(edge);
      node.inEdges.push(edge);
    }
    byTransformation.set(t.id, node);
    nodes.push(node);
  }
  // A uid set with uid() may be one generated for another operator (copied from `flink info` to
  // pin an operator's state, while the graph around it changed): two operators would share one
  // uid and so one state. Flink refuses that too (its "Hash collision on user-specified ID").
  for (const node of nodes) {
    const other = node.uidIsExplicit ? undefined : explicitUids.get(node.uid);
    if (other !== undefined) {
      throw new JobDefinitionError(
        `The uid '${node.uid}' set on "${other}" is the one generated for "${node.name}": every uid must be unique within a job. Set a uid on "${node.name}" too.`,
      );
    }
  }
  // A source of records written in the job file holds only its position in them: not worth a warning.
  const withoutUid = nodes.filter((n) => n.stateful && !n.uidIsExplicit && n.source?.inlineInput !== true && n.source?.replayable !== false).map((n) => `"${n.name}"`);
  if (withoutUid.length > 0) {
    warnings.push(
      `${withoutUid.length === 1 ? 'A stateful operator has' : `${withoutUid.length} stateful operators have`} no uid (${withoutUid.join(', ')}); set .uid('...') so state survives changes to the job.`,
    );
  }
  if (!nodes.some((n) => n.source)) {
    throw new JobDefinitionError('The job has no sources: add one with env.fromSequence(), env.fromSource() or similar before execute().');
  }
  checkChannelCount(nodes);
  return { jobName: settings.jobName, nodes, maxParallelism: settings.maxParallelism, warnings };
}

/**
 * A uid derived from the node's position in the graph: its ordinal, kind and inputs. Stable
 * for the same job code; changes when operators are added before it or its inputs change.
 */
function autoUid(ordinal: number, t: Transformation, operator: OperatorSpec | TwoInputOperatorSpec | undefined, inputUids: string[]): string {
  const h = createHash('sha256');
  h.update(`${ordinal}|${t.kind}|${operator?.kind ?? ''}|${inputUids.join(',')}`);
  return h.digest('hex').slice(0, 32);
}
