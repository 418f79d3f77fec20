import type { DataStream, StreamExecutionEnvironment } from '../api/index.js';
import { type OperatorMetadata, type SnapshotMetadata, asReading, readSnapshotMetadata, snapshotDirOf } from '../checkpoint/index.js';
import { WatermarkStrategy } from '../graph/index.js';
import { SnapshotRestoreError } from '../util/errors.js';
import { echo } from '../util/sanitize.js';
import { KeyedStateSource } from './keyed-state-source.js';
import type { KeyedStateReaderFunction } from './keyed-state-reader-function.js';
import { OperatorStateSource } from './operator-state-source.js';
import type { Window, WindowAssigner } from '../windowing/index.js';
import { WindowSavepointReader } from './window-savepoint-reader.js';

/**
 * The state of a savepoint or retained checkpoint as streams of a job (Flink's State Processor
 * API, `SavepointReader`): read the keyed state of an operator key by key, a window operator's
 * windows, or its list, union list or broadcast state, and process it like any other input — print it, count it, write it
 * to a sink, or `executeAndCollect()` it in a script. Operators are named by their uid.
 *
 * `read` checks the snapshot's `_metadata` at once; state files are read, and their checksums
 * checked, when the job runs. Reading changes nothing in the snapshot.
 */
export class SavepointReader {
  private constructor(
    private readonly env: StreamExecutionEnvironment,
    /** The snapshot directory (absolute). */
    readonly path: string,
    private readonly metadata: SnapshotMetadata,
  ) {}

  /**
   * @param path a savepoint or checkpoint directory, its `_metadata`, or a `file:` URI of either
   * @throws SnapshotRestoreError (one line) if it is not a readable snapshot
   */
  static read(env: StreamExecutionEnvironment, path: string): SavepointReader {
    // Its refusals name reading, not restoring, as `flink info`'s do.
    return asReading(() => {
      const dir = snapshotDirOf(path);
      return new SavepointReader(env, dir, readSnapshotMetadata(dir));
    });
  }

  /** The uids of the snapshot's operators that have state, in its order (not those it records without state). */
  operatorUids(): string[] {
    return this.metadata.operators.filter((op) => op.subtasks.length > 0).map((op) => op.uid);
  }

  /**
   * The keyed state of operator `uid`, through `fn` (a stream of what it emits): its `open()`
   * registers the states to read, its `readKey` is called once per key that has a value in any
   * of them. Parallel: each subtask of the reading job takes some of the writing job's subtasks.
   */
  readKeyedState<K, OUT>(uid: string, fn: KeyedStateReaderFunction<K, OUT>): DataStream<OUT> {
    const op = this.operator(uid);
    if (!op.subtasks.some((h) => h.keyGroupRange !== null && h.keyGroupRange !== undefined)) {
      throw new SnapshotRestoreError(`Operator '${echo(uid)}' in ${this.path} has no keyed state: read its operator state with readListState, readUnionState or readBroadcastState.`, 'snapshot.stateKindMismatch');
    }
    return this.env.fromSource(new KeyedStateSource<K, OUT>(this.path, op, fn), WatermarkStrategy.noWatermarks<OUT>(), `Savepoint: keyed state of '${uid}'`);
  }

  /**
   * The windows of a window operator whose assigner is `assigner` (the one the job used: its
   * windows are read as its serializer encodes them), per key and window that has contents:
   * then `.reduce(uid, fn, reader?)`, `.aggregate(uid, fn, reader?)` or `.process(uid, reader)`
   * as the job's window did, with `.evictor()` first for a window with an evictor.
   */
  window<W extends Window>(assigner: WindowAssigner<unknown, W>): WindowSavepointReader<W> {
    if (typeof (assigner as { getWindowSerializer?: unknown } | null)?.getWindowSerializer !== 'function') {
      throw new TypeError('window needs the WindowAssigner the job used, e.g. TumblingEventTimeWindows.of(Duration.ofSeconds(10)).');
    }
    return new WindowSavepointReader(
      { env: this.env, path: this.path, operator: (uid) => this.operator(uid) },
      assigner,
    );
  }

  /** The elements of list state `name` of operator `uid` (`getListState`), every subtask's, in subtask order. */
  readListState<T>(uid: string, name: string): DataStream<T> {
    return this.operatorState<T>(uid, name, 'split', 'readListState');
  }

  /** The elements of union list state `name` of operator `uid` (`getUnionListState`): what each subtask gets back on restore. */
  readUnionState<T>(uid: string, name: string): DataStream<T> {
    return this.operatorState<T>(uid, name, 'union', 'readUnionState');
  }

  /** The entries of broadcast state `name` of operator `uid`, as `[key, value]` (every subtask holds the same; one copy is read). */
  readBroadcastState<K, V>(uid: string, name: string): DataStream<[K, V]> {
    return this.operatorState<[K, V]>(uid, name, 'broadcast', 'readBroadcastState');
  }

  private operatorState<T>(uid: string, name: string, mode: 'split' | 'union' | 'broadcast', call: string): DataStream<T> {
    if (typeof name !== 'string' || name === '') throw new TypeError(`${call} needs the state's name (a non-empty string).`);
    const op = this.operator(uid);
    return this.env.fromSource(new OperatorStateSource<T>(this.path, op, { name, mode, call }), WatermarkStrategy.noWatermarks<T>(), `Savepoint: ${name} of '${uid}'`);
  }

  private operator(uid: string): OperatorMetadata {
    if (typeof uid !== 'string' || uid === '') throw new TypeError("The operator's uid must be a non-empty string.");
    const op = this.metadata.operators.find((o) => o.uid === uid);
    if (op === undefined) {
      const known = this.operatorUids().map((u) => `'${echo(u)}'`);
      throw new SnapshotRestoreError(
        `The snapshot ${this.path} has no state of an operator with uid '${echo(uid)}'${known.length > 0 ? `; it has ${known.join(', ')}` : '; it holds no operator state'}.`,
        'snapshot.unknownOperator',
      );
    }
    return op;
  }
}
