import { AbstractRichFunction, type Collector } from '../graph/index.js';

/** What `readKey` can ask about the key being read (Flink's KeyedStateReaderFunction.Context). */
export interface KeyedStateReaderContext {
  /** The event-time timers a process function of the operator had registered for this key, in time order. */
  registeredEventTimeTimers(): number[];
  /** The processing-time timers it had registered for this key, in time order. */
  registeredProcessingTimeTimers(): number[];
}

/**
 * Reads the keyed state of one operator of a savepoint or checkpoint, key by key (Flink's
 * State Processor API). In `open()`, register the states to read with the descriptors the job
 * used (`getRuntimeContext().getState(new ValueStateDescriptor('count'))`, the same name, kind
 * and serializer); then `readKey` is called once for every key that has a value in any of
 * them, with those states set to that key, and emits what it likes.
 */
export abstract class KeyedStateReaderFunction<K, OUT> extends AbstractRichFunction {
  abstract readKey(key: K, ctx: KeyedStateReaderContext, out: Collector<OUT>): void;
}
