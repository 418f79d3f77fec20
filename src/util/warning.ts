import { oneLine } from './sanitize.js';

/**
 * How every warning line starts, the CLI's and the engine's alike: a user can grep a job's log
 * for it, and `flink run -d` reports the lines of a detached job's log that start with it.
 */
export const WARNING_PREFIX = 'Warning: ';

/**
 * Writes a warning to stderr as one line, for code below the CLI (a sink that finds its files
 * gone on restore, a lost update of flink.db): the CLI's own `warn` colours the same prefix.
 */
export function writeWarning(line: string): void {
  process.stderr.write(`${WARNING_PREFIX}${oneLine(line)}\n`);
}
