import { resolve } from 'node:path';
import type { StreamExecutionEnvironment } from '../api/index.js';
import { type OperatorMetadata, asReading, readSnapshotMetadata, snapshotDirOf } from '../checkpoint/index.js';
import type { BootstrappedSubtaskState } from '../graph/index.js';
import { DEFAULT_MAX_PARALLELISM, checkMaxParallelism } from '../state/index.js';
import { SnapshotRestoreError } from '../util/errors.js';
import { echo } from '../util/sanitize.js';
import { localPathOf } from '../util/file-uri.js';
import { bootstrapStep } from './bootstrap-step.js';
import { StateBootstrapTransformation } from './state-bootstrap-transformation.js';
import { SavepointFilesSink, checkSavepointTarget, existingSnapshotError } from './savepoint-files-sink.js';

/**
 * Writes a new savepoint from records (Flink's State Processor API, `SavepointWriter`): each
 * `withOperator(uid, transformation)` puts its records into that operator's state (keyed,
 * operator list or union list, or broadcast state: what its function writes), a new
 * savepoint may keep the operators of an existing one (`fromExistingSavepoint`, minus those
 * removed with `removeOperator`), and `write(path)` adds the steps that write it to the job;
 * the job writes it when it runs (`env.execute`). A job started with `flink run -s <path>`
 * then finds the state under those uids, as if it had written it itself.
 */
export class SavepointWriter {
  private readonly bootstraps = new Map<string, StateBootstrapTransformation<unknown, unknown>>();
  private readonly removed = new Set<string>();
  /** Kept operators given another uid: old uid → new. */
  private readonly renamed = new Map<string, string>();
  private written = false;

  private constructor(
    private readonly env: StreamExecutionEnvironment,
    private readonly maxParallelism: number,
    private readonly existing: { readonly dir: string; readonly operators: readonly OperatorMetadata[] } | undefined,
  ) {}

  /**
   * A savepoint of only the operators given to `withOperator`.
   * @param maxParallelism the key groups of their keyed state: what the job restored from it must run with (default 128)
   */
  static newSavepoint(env: StreamExecutionEnvironment, maxParallelism: number = DEFAULT_MAX_PARALLELISM): SavepointWriter {
    const invalid = checkMaxParallelism(maxParallelism);
    if (invalid) throw new RangeError(invalid);
    return new SavepointWriter(env, maxParallelism, undefined);
  }

  /**
   * A savepoint with the operators of the one at `path` (a savepoint, or a checkpoint whose state
   * is all in its directory), changed by `withOperator` and `removeOperator`. New operators get
   * the largest max parallelism of its operators (or 128 if it has none).
   */
  static fromExistingSavepoint(env: StreamExecutionEnvironment, path: string): SavepointWriter {
    const dir = asReading(() => snapshotDirOf(path));
    const metadata = asReading(() => readSnapshotMetadata(dir));
    for (const op of metadata.operators) {
      if (op.subtasks.some((h) => (h.sharedState ?? []).length > 0)) {
        throw new SnapshotRestoreError(
          `${dir} is an incremental checkpoint: the state of '${echo(op.uid)}' lies in files shared with other checkpoints. Take a savepoint of the job (flink savepoint) and start from that.`,
          'savepoint.incrementalSource',
        );
      }
    }
    // The largest of its operators' max parallelisms, as Flink's SavepointWriter#readSavepointMetadata.
    const maxParallelism = metadata.operators.reduce<number | undefined>((max, op) => Math.max(max ?? 0, op.maxParallelism), undefined);
    return new SavepointWriter(env, maxParallelism ?? DEFAULT_MAX_PARALLELISM, { dir, operators: metadata.operators });
  }

  /** Writes `transformation`'s records into the state of operator `uid` (an operator of the existing savepoint must be removed first). */
  withOperator<K, T>(uid: string, transformation: StateBootstrapTransformation<K, T>): this {
    this.checkOpen();
    if (typeof uid !== 'string' || uid === '') throw new TypeError("withOperator needs the operator's uid (a non-empty string).");
    if (!(transformation instanceof StateBootstrapTransformation)) {
      throw new TypeError('withOperator needs a transformation: OperatorTransformation.bootstrapWith(stream).transform(fn), or .keyBy(selector).transform(fn) for keyed state.');
    }
    if (this.bootstraps.has(uid)) throw new TypeError(`withOperator was given uid '${echo(uid)}' twice: each operator's state is written once.`);
    if (this.keptUids().has(uid)) {
      throw new SnapshotRestoreError(`The savepoint ${this.existing!.dir} already has state of operator '${echo(uid)}': removeOperator('${echo(uid)}') first to replace it.`, 'savepoint.operatorExists');
    }
    this.bootstraps.set(uid, transformation as unknown as StateBootstrapTransformation<unknown, unknown>);
    return this;
  }

  /**
   * Gives the state of operator `from` of the existing savepoint to uid `to` (Flink's
   * changeOperatorIdentifier): for a job whose operator had no uid set (its state is under the
   * generated one, which `flink info` shows) and now has one, or whose uid changed. Its state
   * files are rewritten for the new uid, their contents unchanged.
   */
  changeOperatorIdentifier(from: string, to: string): this {
    this.checkOpen();
    if (typeof from !== 'string' || from === '' || typeof to !== 'string' || to === '') {
      throw new TypeError("changeOperatorIdentifier needs the operator's old and new uids (non-empty strings).");
    }
    if (!this.keptUids().has(from)) {
      const known = [...this.keptUids()].map((u) => `'${echo(u)}'`).join(', ');
      throw new SnapshotRestoreError(`changeOperatorIdentifier('${echo(from)}', …): the savepoint keeps no state of that operator${known ? `; it has ${known}` : ''}.`, 'snapshot.unknownOperator');
    }
    if (from === to) return this;
    if (this.keptUids().has(to) || this.bootstraps.has(to)) {
      throw new SnapshotRestoreError(`changeOperatorIdentifier(…, '${echo(to)}'): the new savepoint has an operator with uid '${echo(to)}' already.`, 'savepoint.operatorExists');
    }
    this.renamed.set(this.originalUid(from), to);
    return this;
  }

  /** The uid a kept operator has in the existing savepoint, given the one it will have (it may have been renamed to it). */
  private originalUid(uid: string): string {
    return [...this.renamed].find(([, now]) => now === uid)?.[0] ?? uid;
  }

  /** The uids of the existing savepoint's operators the new one keeps, as they will be named. */
  private keptUids(): Set<string> {
    const uids = new Set<string>();
    for (const op of this.existing?.operators ?? []) if (!this.removed.has(op.uid)) uids.add(this.renamed.get(op.uid) ?? op.uid);
    return uids;
  }

  /**
   * Leaves operator `uid` out of the new savepoint: the state the existing savepoint has of it, or
   * what `withOperator` was to write for it (as Flink's, which keeps one entry per uid).
   */
  removeOperator(uid: string): this {
    this.checkOpen();
    if (this.bootstraps.delete(uid)) return this;
    if (!this.keptUids().has(uid)) {
      const known = [...this.keptUids()].map((u) => `'${echo(u)}'`).join(', ');
      throw new SnapshotRestoreError(`removeOperator('${echo(uid)}'): the savepoint has no state of that operator${known ? `; it has ${known}` : ''}.`, 'snapshot.unknownOperator');
    }
    const original = this.originalUid(uid);
    this.renamed.delete(original);
    this.removed.add(original);
    return this;
  }

  /**
   * Adds the writing of the savepoint into `path` to the job: each operator's records put into
   * state by its function (at the job's parallelism, at most `maxParallelism`: keyed state in
   * that many key groups; broadcast state at parallelism 1), then the files and `_metadata`,
   * written when the last record is in. `path` must not hold a snapshot already.
   */
  write(path: string): void {
    this.checkOpen();
    // resolve('') is the working directory: an empty path must not write a savepoint there (Flink's Path refuses it too).
    if (typeof path !== 'string' || path.trim() === '') throw new TypeError('write needs the path of the new savepoint (a non-empty string).');
    const target = resolve(localPathOf(path));
    checkSavepointTarget(target);
    if (this.existing !== undefined && resolve(this.existing.dir) === target) throw existingSnapshotError(target);
    const kept = this.existing && { dir: this.existing.dir, operators: this.existing.operators.filter((op) => !this.removed.has(op.uid)), renamed: new Map(this.renamed) };
    if (this.bootstraps.size === 0 && (kept?.operators.length ?? 0) === 0) {
      // As Flink's SavepointWriter#write: a savepoint of no operator restores nothing, and a job
      // started from it would silently start empty.
      throw new SnapshotRestoreError(
        `The savepoint for ${target} would have no operator: add one with withOperator(uid, transformation)${this.existing ? ', or keep one of the existing savepoint' : ''}.`,
        'savepoint.noOperators',
      );
    }
    this.written = true;
    const states = [...this.bootstraps].map(([uid, t]) => bootstrapStep(this.env, uid, t, target, this.maxParallelism));
    const all = states.length === 0 ? this.env.fromData<BootstrappedSubtaskState>() : states.length === 1 ? states[0]! : states[0]!.union(...states.slice(1));
    all.sinkTo(new SavepointFilesSink({ path: target, kept })).name(`Savepoint: ${target}`).setParallelism(1).uid(`__savepoint-writer:${target}`);
  }

  private checkOpen(): void {
    if (this.written) throw new TypeError('This SavepointWriter was written already: make a new one for another savepoint.');
  }
}
