/**
 * What a collect sink's writer and the client that reads its results (`executeAndCollect`) say
 * to each other, after Flink's CollectSinkFunction protocol: results are numbered by an offset
 * that counts every result the sink produced since the job began (kept in the sink's state, so a
 * restore goes on from the checkpoint's offset), and the client shows a result only once it can
 * never be taken back — at once without checkpoints, once a checkpoint covering it completed
 * with them.
 *
 * The two meet on a BroadcastChannel named by the job and the sink (see {@link collectChannelName}):
 * the writer may run on a worker thread, and a BroadcastChannel reaches every thread of the
 * process. Messages from one sender arrive in the order sent; a writer of an earlier attempt (a
 * failover) may still be heard after the next one started, so every message names its attempt.
 */

/** Writer → client. */
export type CollectWriterMessage =
  /** A writer opened: its results go on from `base` (0, or the restored checkpoint's offset). */
  | { readonly t: 'hello'; readonly attempt: number; readonly base: number; readonly checkpointing: boolean }
  /** Results `from`, `from + 1`, … encoded as one array (util/binary-codec.ts). */
  | { readonly t: 'data'; readonly attempt: number; readonly from: number; readonly records: Uint8Array }
  /** A checkpoint completed that covers every result before `offset`. */
  | { readonly t: 'checkpointed'; readonly attempt: number; readonly offset: number };

/** Client → writers. */
export type CollectClientMessage =
  /**
   * The answer to a hello of `attempt`: the client has it, and listens. `holdsAll`: it keeps
   * every result however many are unread (`env.execute()` with `collectAsync`: nothing reads
   * until the job ends), so a writer never waits for it.
   */
  | { readonly t: 'ready'; readonly attempt: number; readonly holdsAll: boolean }
  /** The client handed out every result before `offset`: a writer held back by it may go on. */
  | { readonly t: 'consumed'; readonly offset: number }
  /**
   * The client handed out every result before `offset` and waits for more, having none it may
   * hand out: a writer goes on even with many results sent and not yet readable (with
   * checkpointing, only a checkpoint taken further on makes them readable). Flink's client
   * likewise fetches from the sink while its reader waits, and leaves the sink's buffer full
   * while it does not.
   */
  | { readonly t: 'waiting'; readonly offset: number }
  /** The client stopped reading: writers no longer wait for it. */
  | { readonly t: 'closed' }
  /**
   * Posted by the client to itself (from a second end of the channel) once the job ended: a
   * channel delivers messages in the order they were posted, from whichever thread, and the
   * writers posted everything before the job ended, so when this arrives every result has.
   */
  | { readonly t: 'drained' };

/** The channel of one collect sink of one job. */
export function collectChannelName(jobId: string, token: string): string {
  return `flink-ts/collect/${jobId}/${token}`;
}

/**
 * How many results the client may hold unread before the writer waits (Flink's collect sink
 * blocks on its buffer in the same way): an unbounded job read slowly stays in bounded memory.
 * Results not yet readable (with checkpointing) count too, unless the client waits for results.
 */
export const COLLECT_MAX_UNREAD = 10_000;
