/**
 * stdout and stderr whose reader may go away (`flink list | head -1`, `flink run job.ts | head`).
 * Node reports the failed write (EPIPE) as an 'error' event on the stream, and with nobody
 * listening that ends the process with a stack trace. A guarded stream instead counts as closed
 * from its first error: writes to it are dropped, and listeners hear of it once.
 */

type OutputStream = NodeJS.WritableStream & { readonly destroyed?: boolean };

/** Told once per stream that it closed, with the error that showed it (EPIPE for a reader gone). */
export type OutputClosedListener = (stream: OutputStream, err: NodeJS.ErrnoException) => void;

const guarded = new WeakSet<OutputStream>();
const closed = new WeakSet<OutputStream>();
const listeners = new Set<OutputClosedListener>();

/** Makes an error on `stream` close it quietly instead of crashing the process. Idempotent. */
export function guardOutput(stream: OutputStream): void {
  if (guarded.has(stream)) return;
  guarded.add(stream);
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (closed.has(stream)) return;
    closed.add(stream);
    for (const listener of [...listeners]) listener(stream, err);
  });
}

/** True once a guarded stream has failed (or the stream was destroyed): nothing written to it arrives. */
export function isOutputClosed(stream: OutputStream): boolean {
  return closed.has(stream) || stream.destroyed === true;
}

/** Calls `listener` when a guarded stream closes; returns a function that removes it. */
export function onOutputClosed(listener: OutputClosedListener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
