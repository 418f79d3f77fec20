/**
 * `a.coGroup(b).where(ka).equalTo(kb).window(assigner).apply(fn)` and `a.join(b)…` (Flink's
 * CoGroupedStreams and JoinedStreams), built as Flink builds them: each input is tagged with
 * its side, the two are unioned, keyed by each side's own selector, windowed by `assigner`, and
 * a window function splits each firing window's elements back into the two sides.
 */
import {
  AbstractRichFunction,
  type CoGroupFunction, type CoGroupFunctionLike,
  type Collector,
  type FlatJoinFunction, type FlatJoinFunctionLike,
  type JoinFunction, type JoinFunctionLike,
  type KeyFunction,
  type KeySelectorLike,
  keyFunctionOf,
  type OpenContext,
  type RuntimeContext,
  type WrappingFunction,
} from '../graph/index.js';
import { instantiateUserFunction, toCallable } from '../runtime/operators/user-function.js';
import type { DurationLike } from '../util/time.js';
import type { Evictor, Trigger, Window, WindowAssigner } from '../windowing/index.js';
import type { DataStream, SingleOutputStreamOperator } from './data-stream.js';

/** An element of either input on its way through the union (Flink's TaggedUnion). */
export type TaggedUnion<A, B> = { readonly one: A } | { readonly two: B };

/** How the window's elements are handed to the user function. */
type GroupCallback<A, B, R> = (first: A[], second: B[], out: Collector<R>) => void;

/**
 * The window function of a coGroup: splits a window's tagged elements by side, in arrival order,
 * and calls the user function once per key and window. Forwards the rich-function lifecycle; the
 * engine finds the user function's CheckpointedFunction and CheckpointListener methods through
 * `getWrappedFunction`, as Flink's operator looks through its WrappingFunction.
 */
class CoGroupWindowFunction<A, B, R> extends AbstractRichFunction implements WrappingFunction {
  private call: GroupCallback<A, B, R> | undefined;

  constructor(
    private user: unknown,
    /** The callback over `user` (made per subtask, from that subtask's own copy of it). */
    private readonly callbackOf: (user: unknown) => GroupCallback<A, B, R>,
  ) {
    super();
  }
  getWrappedFunction(): unknown {
    return this.user;
  }
  override setRuntimeContext(context: RuntimeContext): void {
    super.setRuntimeContext(context);
    // The engine copies this wrapper per subtask, but a copy keeps the user's function object by
    // reference: give each subtask its own, as the function of any other operator gets.
    this.user = instantiateUserFunction(this.user);
    this.call = this.callbackOf(this.user);
    (this.user as { setRuntimeContext?: (c: RuntimeContext) => void } | null)?.setRuntimeContext?.(context);
  }
  override open(context: OpenContext): void | Promise<void> {
    return (this.user as { open?: (c: OpenContext) => void | Promise<void> } | null)?.open?.(context);
  }
  override close(): void | Promise<void> {
    return (this.user as { close?: () => void | Promise<void> } | null)?.close?.();
  }
  apply(_key: unknown, _window: Window, elements: Iterable<TaggedUnion<A, B>>, out: Collector<R>): void {
    const first: A[] = [];
    const second: B[] = [];
    for (const e of elements) {
      if ('one' in e) first.push(e.one as A);
      else second.push(e.two as B);
    }
    (this.call ??= this.callbackOf(this.user))(first, second, out);
  }
}

/** The windowing of a coGroup or join, set step by step. */
interface Windowing<A, B, W extends Window> {
  readonly assigner: WindowAssigner<TaggedUnion<A, B>, W>;
  readonly trigger?: Trigger<TaggedUnion<A, B>, W>;
  readonly evictor?: Evictor<TaggedUnion<A, B>, W>;
  readonly lateness?: DurationLike;
}

/** Tags, unions, keys and windows both inputs, then applies `fn` as the window function. */
function windowedCoGroup<A, B, K, R, W extends Window>(
  first: DataStream<A>,
  second: DataStream<B>,
  key1: KeyFunction<A, K>,
  key2: KeyFunction<B, K>,
  w: Windowing<A, B, W>,
  fn: CoGroupWindowFunction<A, B, R>,
): SingleOutputStreamOperator<R> {
  // Each tagger at its input's parallelism, as Flink's: chained to the input, so one key's
  // elements of a non-parallel input stay in order and the union adds no rebalance.
  const tagged1 = first.mapAtInputParallelism((one: A): TaggedUnion<A, B> => ({ one }));
  const tagged2 = second.mapAtInputParallelism((two: B): TaggedUnion<A, B> => ({ two }));
  let windowed = tagged1
    .union(tagged2)
    .keyBy((u: TaggedUnion<A, B>) => ('one' in u ? key1(u.one as A) : key2(u.two as B)))
    .window(w.assigner);
  if (w.trigger) windowed = windowed.trigger(w.trigger);
  if (w.evictor) windowed = windowed.evictor(w.evictor);
  if (w.lateness) windowed = windowed.allowedLateness(w.lateness);
  return windowed.apply(fn as never) as SingleOutputStreamOperator<R>;
}

/** `coGroup(b).where(ka)`: the second side's key next. */
export interface CoGroupWhere<A, B, K> {
  equalTo(key2: KeySelectorLike<B, K>): { window<W extends Window>(assigner: WindowAssigner<TaggedUnion<A, B>, W>): CoGroupWithWindow<A, B, K, W> };
}

/** `join(b).where(ka)`: the second side's key next. */
export interface JoinWhere<A, B, K> {
  equalTo(key2: KeySelectorLike<B, K>): { window<W extends Window>(assigner: WindowAssigner<TaggedUnion<A, B>, W>): JoinWithWindow<A, B, K, W> };
}

/** `.where(ka).equalTo(kb).window(assigner)`, checked, then `make` builds on them. */
function keysThenWindow<A, B, K>(key1: KeyFunction<A, K>, make: (key2: KeyFunction<B, K>, assigner: WindowAssigner<TaggedUnion<A, B>, Window>) => unknown) {
  return {
    equalTo: (key2: KeySelectorLike<B, K>) => {
      const second = keyFunctionOf(key2, 'equalTo');
      return { window: (assigner: WindowAssigner<TaggedUnion<A, B>, Window>) => make(second, assigner) };
    },
  };
}

/** What `a.coGroup(b)` and `a.join(b)` share: both inputs, then the keys and the window lead to a `WithWindow`. */
abstract class WindowedPair<A, B> {
  /** @internal */
  constructor(
    private readonly first: DataStream<A>,
    private readonly second: DataStream<B>,
  ) {}

  /** `.where(key1)`: the chain that ends in `new withWindow(...)` at `.window(assigner)`. */
  protected keyedBy<K>(key1: KeySelectorLike<A, K>, withWindow: WithWindowClass<A, B, K>): unknown {
    const first = keyFunctionOf(key1, 'where');
    return keysThenWindow<A, B, K>(first, (key2, assigner) => new withWindow(this.first, this.second, first, key2, { assigner }));
  }
}

/** `a.coGroup(b)`: name the key of each side, then the window. */
export class CoGroupedStreams<A, B> extends WindowedPair<A, B> {
  /** The key of the first input's elements. */
  where<K>(key1: KeySelectorLike<A, K>): CoGroupWhere<A, B, K> {
    return this.keyedBy(key1, CoGroupWithWindow) as CoGroupWhere<A, B, K>;
  }
}

type WithWindowClass<A, B, K> = new (
  first: DataStream<A>,
  second: DataStream<B>,
  key1: KeyFunction<A, K>,
  key2: KeyFunction<B, K>,
  windowing: Windowing<A, B, Window>,
) => unknown;

/** The windowing shared by coGroup and join after `.window(assigner)`. */
abstract class WithWindow<A, B, K, W extends Window> {
  /** @internal */
  constructor(
    protected readonly first: DataStream<A>,
    protected readonly second: DataStream<B>,
    protected readonly key1: KeyFunction<A, K>,
    protected readonly key2: KeyFunction<B, K>,
    protected readonly windowing: Windowing<A, B, W>,
  ) {}

  /** When windows fire (default: the assigner's trigger). A new WithWindow, this one unchanged (as Flink's). */
  trigger(trigger: Trigger<TaggedUnion<A, B>, W>): this {
    return this.with({ trigger });
  }

  /** Removes elements before the function sees them. A new WithWindow, this one unchanged (as Flink's). */
  evictor(evictor: Evictor<TaggedUnion<A, B>, W>): this {
    return this.with({ evictor });
  }

  /** Keeps windows for `lateness` after their end, so late elements fire them again. A new WithWindow, this one unchanged (as Flink's). */
  allowedLateness(lateness: DurationLike): this {
    return this.with({ lateness });
  }

  /** A copy of this step with `change` to its windowing: a step shared by two joins sets nothing on the other. */
  private with(change: Partial<Windowing<A, B, W>>): this {
    const Step = this.constructor as new (...args: ConstructorParameters<WithWindowClass<A, B, K>>) => this;
    return new Step(this.first, this.second, this.key1, this.key2, { ...this.windowing, ...change } as Windowing<A, B, Window>);
  }
}

export class CoGroupWithWindow<A, B, K, W extends Window> extends WithWindow<A, B, K, W> {
  /** Calls `fn` with both sides' elements of each key and window (either side may be empty). */
  apply<R>(fn: CoGroupFunctionLike<A, B, R>): SingleOutputStreamOperator<R> {
    if (typeof fn !== 'function' && typeof (fn as { coGroup?: unknown } | null)?.coGroup !== 'function') {
      throw new TypeError('apply needs a CoGroupFunction: (first, second, out) => void or an object with coGroup(first, second, out).');
    }
    const fnOf = (user: unknown) => toCallable<GroupCallback<A, B, R>>(user, 'coGroup');
    return windowedCoGroup(this.first, this.second, this.key1, this.key2, this.windowing, new CoGroupWindowFunction<A, B, R>(fn, fnOf)).name('CoGroup');
  }
}

/** `a.join(b)`: name the key of each side, then the window. */
export class JoinedStreams<A, B> extends WindowedPair<A, B> {
  /** The key of the first input's elements. */
  where<K>(key1: KeySelectorLike<A, K>): JoinWhere<A, B, K> {
    return this.keyedBy(key1, JoinWithWindow) as JoinWhere<A, B, K>;
  }
}

export class JoinWithWindow<A, B, K, W extends Window> extends WithWindow<A, B, K, W> {
  /**
   * Calls `fn` for every pair of a window's first-side and second-side elements of one key (a
   * nested loop in arrival order, as Flink's): a JoinFunction `(a, b) => result` emits its
   * result; a FlatJoinFunction `(a, b, out) => void` (three parameters) emits through `out`.
   */
  apply<R>(fn: JoinFunctionLike<A, B, R>): SingleOutputStreamOperator<R>;
  // Second: a FlatJoinFunction's `join` also returns (void), so tried first it would take every JoinFunction.
  apply<R>(fn: FlatJoinFunctionLike<A, B, R>): SingleOutputStreamOperator<R>;
  apply<R>(fn: JoinFunctionLike<A, B, R> | FlatJoinFunctionLike<A, B, R>): SingleOutputStreamOperator<R> {
    if (typeof fn !== 'function' && typeof (fn as { join?: unknown } | null)?.join !== 'function') {
      throw new TypeError('apply needs a JoinFunction: (first, second) => result or an object with join(first, second).');
    }
    return this.coGroup<R>(fn, (user) => {
      const join = toCallable<(...args: never[]) => unknown>(user, 'join');
      if (join.length >= 3) {
        const flat = join as (a: A, b: B, out: Collector<R>) => void;
        return (first, second, out) => {
          for (const a of first) for (const b of second) flat(a, b, out);
        };
      }
      const plain = join as (a: A, b: B) => R;
      return (first, second, out) => {
        for (const a of first) for (const b of second) out.collect(plain(a, b));
      };
    });
  }

  private coGroup<R>(user: unknown, callbackOf: (user: unknown) => GroupCallback<A, B, R>): SingleOutputStreamOperator<R> {
    return windowedCoGroup(this.first, this.second, this.key1, this.key2, this.windowing, new CoGroupWindowFunction<A, B, R>(user, callbackOf)).name('Join');
  }
}
