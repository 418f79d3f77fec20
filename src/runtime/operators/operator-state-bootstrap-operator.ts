import {
  BOOTSTRAP_CHECKPOINT_ID,
  type BroadcastStateBootstrapContext,
  type BroadcastStateBootstrapFunction,
  type StateBootstrapContext,
  type StateBootstrapFunction,
} from '../../graph/index.js';
import { MapStateDescriptor } from '../../state/index.js';
import { bootstrappedState } from './bootstrapped-state.js';
import { FunctionOperator } from './function-operator.js';
import type { OperatorContext } from './stream-operator.js';
import { userError } from './user-function.js';

/**
 * Flink's StateBootstrapOperator and BroadcastStateBootstrapOperator: runs a bootstrap function
 * on each record, and at the end of its input takes the subtask's snapshot as a checkpoint
 * would — the function's `snapshotState` first, then the operator state store's lists (list,
 * union list and broadcast state) — and emits it as the state file of operator `uid`, for the
 * savepoint writer downstream. A broadcast bootstrap runs at parallelism 1 (the writer sees to
 * it), so its one copy is what every subtask of the restored job gets.
 */
export class OperatorStateBootstrapOperator extends FunctionOperator<unknown> {
  private readonly fn: StateBootstrapFunction<unknown> | BroadcastStateBootstrapFunction<unknown>;
  private readonly context: StateBootstrapContext | BroadcastStateBootstrapContext;

  constructor(
    ctx: OperatorContext,
    fn: StateBootstrapFunction<unknown> | BroadcastStateBootstrapFunction<unknown>,
    broadcast: boolean,
    private readonly uid: string,
    private readonly operatorName: string,
  ) {
    super(ctx, fn);
    this.fn = fn;
    const currentProcessingTime = (): number => ctx.clock.now();
    this.context = broadcast ? { currentProcessingTime, getBroadcastState: (d) => ctx.operatorStateStore.getBroadcastState(checkedDescriptor(d)) } : { currentProcessingTime };
  }

  collect(value: unknown): void {
    this.numRecordsIn++;
    try {
      (this.fn as StateBootstrapFunction<unknown>).processElement(value, this.context as BroadcastStateBootstrapContext);
    } catch (err) {
      throw userError(this.name, err);
    }
  }

  override endInput(): void {
    const { info, clock } = this.ctx;
    // The cut after the last record: nothing changes the lists any more.
    const snapshot = this.snapshotState(BOOTSTRAP_CHECKPOINT_ID, clock.now(), { isSavepoint: true, aligned: true });
    this.output.collect(bootstrappedState(info, this.uid, this.operatorName, { kinds: {}, keyGroups: [], lists: snapshot.lists.bytes() }, null));
  }
}

/**
 * Broadcast state is a map: a descriptor of another kind (possible from plain JavaScript) would
 * be written under its name and then refused by the job's `broadcast(descriptor)` only on restore.
 */
function checkedDescriptor<K, V>(d: MapStateDescriptor<K, V>): MapStateDescriptor<K, V> {
  if (d instanceof MapStateDescriptor) return d;
  throw new TypeError('getBroadcastState needs a MapStateDescriptor: broadcast state is a map (new MapStateDescriptor(name)).');
}
