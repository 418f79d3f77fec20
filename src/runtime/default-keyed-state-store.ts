/**
 * The five typed getters of a KeyedStateStore over one lookup by descriptor (Flink's
 * DefaultKeyedStateStore): the runtime context and a window function's per-window state differ
 * only in how they find the state a descriptor names.
 */
import type { KeyedStateStore } from '../graph/index.js';
import type * as state from '../state/index.js';

export abstract class DefaultKeyedStateStore implements KeyedStateStore {
  getState<T>(descriptor: state.ValueStateDescriptor<T>): state.ValueState<T> {
    return this.getPartitionedState(descriptor);
  }
  getListState<T>(descriptor: state.ListStateDescriptor<T>): state.ListState<T> {
    return this.getPartitionedState(descriptor);
  }
  getMapState<K, V>(descriptor: state.MapStateDescriptor<K, V>): state.MapState<K, V> {
    return this.getPartitionedState(descriptor);
  }
  getReducingState<T>(descriptor: state.ReducingStateDescriptor<T>): state.ReducingState<T> {
    return this.getPartitionedState(descriptor);
  }
  getAggregatingState<IN, ACC, OUT>(descriptor: state.AggregatingStateDescriptor<IN, ACC, OUT>): state.AggregatingState<IN, OUT> {
    return this.getPartitionedState(descriptor);
  }

  /** The state `descriptor` names, for the current key (and namespace); throws where there is none. */
  protected abstract getPartitionedState<S>(descriptor: state.StateDescriptor): S;
}
