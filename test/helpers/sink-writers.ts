import type { SinkWriter } from '../../src/index.js';

/** Closes and forgets every writer a test opened (an `afterEach` step); one already closed is passed over. */
export function closeWriters(writers: SinkWriter<unknown>[]): void {
  for (const w of writers.splice(0)) {
    try {
      w.close();
    } catch {
      // Already closed.
    }
  }
}
