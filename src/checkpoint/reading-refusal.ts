import { SnapshotRestoreError } from './snapshot-loader.js';

const RESTORE_PREFIX = 'Cannot restore from ';

/**
 * Runs `read`, saying "Cannot read" where the snapshot loader's refusals say "Cannot restore
 * from": they are written for `flink run -s`, and `flink info` and `SavepointReader.read`
 * restore nothing. Same code, same reason.
 */
export function asReading<T>(read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof SnapshotRestoreError && err.message.startsWith(RESTORE_PREFIX)) {
      throw new SnapshotRestoreError(`Cannot read ${err.message.slice(RESTORE_PREFIX.length)}`, err.code);
    }
    throw err;
  }
}
