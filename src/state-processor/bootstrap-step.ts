import { type DataStream, SingleOutputStreamOperator, type StreamExecutionEnvironment } from '../api/index.js';
import type { BootstrappedSubtaskState, BroadcastStateBootstrapFunction, KeyedStateBootstrapFunction, OperatorSpec, StateBootstrapFunction } from '../graph/index.js';
import type { StateBootstrapTransformation } from './state-bootstrap-transformation.js';

/**
 * The step of a savepoint-writing job that runs one transformation's bootstrap function and hands
 * on each of its subtasks' state files (Flink's StateBootstrapTransformation#writeOperatorState):
 * keyed state (a function's, or windows'), its records keyed as the job keys them; operator
 * state, at the job's parallelism; both capped at the max parallelism (by the stream graph);
 * broadcast state, at parallelism 1.
 *
 * @param target the savepoint's directory: with the uid, the step's own uid in the writing job
 *   (its checkpoints map by it), so one job may write the same operator uid into two savepoints
 */
export function bootstrapStep(
  env: StreamExecutionEnvironment,
  uid: string,
  t: StateBootstrapTransformation<unknown, unknown>,
  target: string,
  savepointMaxParallelism: number,
): DataStream<BootstrappedSubtaskState> {
  const name = `Bootstrap '${uid}'`;
  const b = t.bootstrap;
  const keyed = b.kind === 'keyed' || b.kind === 'window';
  const input = keyed ? t.stream.keyBy(b.selector).transformation : t.stream.transformation;
  const operator: OperatorSpec =
    b.kind === 'keyed'
      ? { kind: 'keyedStateBootstrap', fn: b.fn as KeyedStateBootstrapFunction<unknown, unknown>, uid, name }
      : b.kind === 'window'
        ? { kind: 'windowStateBootstrap', window: b.window, uid, name }
        : { kind: 'operatorStateBootstrap', fn: b.fn as StateBootstrapFunction<unknown> | BroadcastStateBootstrapFunction<unknown>, broadcast: b.kind === 'broadcast', uid, name };
  const op = env.addTransformation({ kind: 'operator', name, input, operator });
  const states = new SingleOutputStreamOperator<BootstrappedSubtaskState>(env, op)
    .setMaxParallelism(t.maxParallelism ?? savepointMaxParallelism)
    .uid(`__bootstrap:${target}:${uid}`);
  // A chained operator runs with its chain head's max parallelism, which is what its state is
  // written with: a non-keyed bootstrap (no keyBy in front to break the chain) heads its own.
  if (!keyed) states.startNewChain();
  // Flink's: one subtask writes the one copy of broadcast state every restored subtask gets.
  if (b.kind === 'broadcast') states.setParallelism(1);
  return states;
}
