/**
 * One subtask of `JdbcSink.exactlyOnceSink`: two-phase commit over PostgreSQL prepared
 * transactions, as Flink's XA JDBC sink.
 *
 * On the writer connection one transaction is open at a time and takes the rows of one
 * checkpoint interval. At checkpoint n's barrier (`snapshotState`) the rest of its rows are sent,
 * it is `PREPARE TRANSACTION`'d under its name (see jdbc-sink-transactions.ts) and recorded in
 * the state, and the next transaction begins; the checkpoint is acknowledged once the prepare
 * succeeded (`prepareCommit`). When n completes, the committer connection (a connection inside
 * a transaction cannot commit prepared ones) runs `COMMIT PREPARED` for it and anything older
 * still pending. What a crash leaves at each point:
 * - before the prepare: an open transaction, rolled back by the server when the connection goes;
 * - between prepare and the checkpoint's `_metadata`: a prepared transaction no completed
 *   checkpoint records, rolled back by the restore (its rows are replayed);
 * - between `_metadata` and the commit, or during the commit: a transaction the checkpoint
 *   records, committed by a restore from it — or found already committed (checked by its xid);
 * - a restore from an older checkpoint than the newest prepared one: the later prepared
 *   transactions are not recorded by it, so they are rolled back and their rows replayed.
 */
import type { SinkWriterContext } from '../graph/index.js';
import type { JdbcWriterSettings } from './jdbc-sink.js';
import { maxPreparedTransactions } from './jdbc-sink-connection.js';
import { recover } from './jdbc-sink-recovery.js';
import { JdbcSinkError } from './jdbc-sink-table.js';
import {
  type RecordedTransaction,
  type RestoredSinkState,
  applicationName,
  applicationNamePrefix,
  gidLiteral,
  nameSafeId,
  parseSinkState,
  sinkKey,
  sinkStateEntries,
  transactionName,
} from './jdbc-sink-transactions.js';
import { JdbcWriterBase } from './jdbc-sink-writer-base.js';
import type { Connection } from './jdbc-sink-connection.js';
import { writeWarning } from '../util/warning.js';

/** The transaction open on the writer connection. */
interface OpenTransaction {
  /** Its xid8 once the server said it; recorded with its name so a restore can tell its fate. */
  xid: string | null;
}

/** A prepared transaction waiting for its checkpoint (or a later one) to complete. */
interface PendingTransaction extends RecordedTransaction {
  /** Settles when the PREPARE did. */
  readonly prepared: Promise<void>;
  committing: boolean;
}

export class ExactlyOnceJdbcWriter<T> extends JdbcWriterBase<T> {
  private readonly sink: string;
  private readonly job: string;
  private readonly attempt: number;
  private lineage: string;
  private restored: RestoredSinkState | undefined;
  private committer: Connection | undefined;
  private txn: OpenTransaction | undefined;
  private pending: PendingTransaction[] = [];
  private lastPrepare: Promise<void> = Promise.resolve();
  /** The committer's work, one commit after another. */
  private commits: Promise<void> = Promise.resolve();

  constructor(settings: JdbcWriterSettings<T>, context: SinkWriterContext) {
    super(settings, context);
    this.sink = sinkKey(context.operatorUid);
    this.job = nameSafeId(context.jobId);
    this.attempt = context.attemptNumber ?? 0;
    // A fresh start begins a lineage of its own; a restore continues the restored one's.
    this.lineage = this.job;
  }

  restoreState(state: unknown[]): void {
    this.restored = parseSinkState(state, this.sink, this.context.operatorUid);
    if (this.restored) this.lineage = this.restored.lineage;
  }

  async open(): Promise<void> {
    const appName = applicationName(this.sink, this.lineage, this.job, this.attempt);
    const writer = await this.connect(appName);
    this.committer = await this.connect(appName);
    if ((await maxPreparedTransactions(writer)) === 0) {
      throw new JdbcSinkError(
        'preparedTransactionsDisabled',
        'JdbcSink.exactlyOnceSink needs prepared transactions, but the server has max_prepared_transactions = 0; set it (e.g. to 2 × the total parallelism of its exactly-once sinks, at least) in postgresql.conf and restart the server, or use JdbcSink.sink.',
      );
    }
    await this.prepareBatches(writer);
    // One subtask recovers for all: the union state gives each the whole checkpoint's record.
    if (this.context.subtaskIndex === 0) {
      await recover(this.committer, {
        uid: this.context.operatorUid,
        sink: this.sink,
        lineage: this.lineage,
        applicationName: appName,
        applicationNamePrefix: applicationNamePrefix(this.sink, this.lineage),
        restored: this.restored,
        timeoutMs: this.settings.takeoverTimeoutMs,
        warn: writeWarning,
        ...(this.context.checkOwnership ? { checkOwnership: this.context.checkOwnership } : {}),
      });
    }
    this.restored = undefined;
    // The first transaction's xid is known before any row (later ones learn it during their interval).
    await this.begin();
  }

  snapshotState(checkpointId: number): unknown[] {
    if (this.failure) throw this.failure;
    const batches = this.batches!;
    if (this.txn && batches.sent + batches.buffered > 0) {
      batches.flush();
      const gid = transactionName({
        sink: this.sink,
        lineage: this.lineage,
        job: this.job,
        attempt: this.attempt,
        subtask: this.context.subtaskIndex,
        checkpointId,
      });
      const prepared = this.track(expectCommand(this.writer!.query(`PREPARE TRANSACTION ${gidLiteral(gid)}`), 'PREPARE'), `preparing transaction ${gid}`);
      this.pending.push({ gid, checkpointId, xid: this.txn.xid, prepared, committing: false });
      this.lastPrepare = prepared;
      void this.begin().catch(() => undefined);
    }
    return sinkStateEntries(this.lineage, this.pending);
  }

  prepareCommit(): Promise<void> {
    // Prepares run in order on one connection: the last one settling means all earlier did.
    return this.succeeded(this.lastPrepare);
  }

  notifyCheckpointComplete(checkpointId: number): Promise<void> | undefined {
    const due = this.pending.filter((t) => t.checkpointId <= checkpointId && !t.committing);
    if (due.length === 0) return undefined;
    for (const t of due) t.committing = true;
    this.commits = this.commits.then(() => this.commit(due));
    return this.track(this.commits, `committing checkpoint ${checkpointId}`);
  }

  endOfInput(): void {
    if (this.context.checkpointing) {
      // The job's final checkpoint prepares and commits the rest; start sending it now.
      this.batches?.flush();
      return;
    }
    // No checkpoints: everything becomes visible now, prepared transactions included. The fence
    // is asked when the COMMIT is sent, behind the batches still in flight, not before them.
    this.batches!.flush();
    const check = () => this.context.checkOwnership?.(`commit the rows of sink '${this.context.operatorUid}' at the end of input`);
    const committed = this.track(expectCommand(this.writer!.commitChecked('COMMIT', check), 'COMMIT'), 'committing at the end of input');
    this.txn = undefined;
    const due = this.pending.filter((t) => !t.committing);
    for (const t of due) t.committing = true;
    this.commits = this.commits.then(() => this.commit(due));
    this.ending = this.succeeded(Promise.all([committed, this.track(this.commits, 'committing at the end of input')]));
  }

  override async close(): Promise<void> {
    // Commits in flight finish first; the rest (an open transaction) goes with the connection.
    await this.commits.catch(() => undefined);
    await super.close();
  }

  /** Begins the next transaction and learns its xid (in the background, like everything on the writer connection). */
  private begin(): Promise<void> {
    const txn: OpenTransaction = { xid: null };
    this.txn = txn;
    this.batches!.sent = 0;
    return this.track(this.writer!.query<{ xid: string }>('BEGIN; SELECT pg_current_xact_id()::text AS xid'), 'beginning a transaction').then((results) => {
      const all = Array.isArray(results) ? results : [results];
      txn.xid = (all.at(-1)?.rows[0] as { xid?: string } | undefined)?.xid ?? null;
    });
  }

  private async commit(due: readonly PendingTransaction[]): Promise<void> {
    for (const t of due) {
      await t.prepared;
      // The job checked its fence before telling sinks to commit; this closes the gap to the send.
      await this.committer!.commitChecked(`COMMIT PREPARED ${gidLiteral(t.gid)}`, () => this.context.checkOwnership?.(`commit transaction ${t.gid}`));
      this.pending = this.pending.filter((p) => p !== t);
    }
  }
}

/**
 * A transaction in which a statement failed is rolled back by PREPARE TRANSACTION or COMMIT,
 * which then answer ROLLBACK rather than an error: never take that for success.
 */
async function expectCommand(result: Promise<{ command: string }>, command: string): Promise<void> {
  const r = await result;
  if (r.command !== command) throw new Error(`the server rolled the transaction back instead of ${command} (a statement in it failed)`);
}
