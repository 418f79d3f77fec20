import { fileURLToPath } from 'node:url';
import chalk from 'chalk';
import { FlinkError } from '../util/errors.js';

/** Lines of SPEC.md's CLI contract, in one place. */
export const lines = {
  submitted: (jobId: string) => `Job has been submitted with JobID ${jobId}`,
  finished: (jobId: string) => `Job with JobID ${jobId} has finished.`,
  runtime: (ms: number) => `Job Runtime: ${ms} ms`,
  cancelled: (jobId: string) => `Job with JobID ${jobId} has been cancelled.`,
  failed: (jobId: string, cause: string) => `Job with JobID ${jobId} failed: ${cause}`,
};

/** Writes a line to stdout. */
export function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** Writes a warning to stderr. */
export function warn(line: string): void {
  process.stderr.write(`${chalk.yellow('Warning:')} ${line}\n`);
}

/**
 * Reports an error on stderr: a FlinkError as one line (plus the user's own stack where the
 * error came from user code); anything else is a bug in flink-ts and is shown with its stack.
 */
export function reportError(err: unknown, verbose: boolean): void {
  if (err instanceof FlinkError) {
    process.stderr.write(`${chalk.red('Error:')} ${err.message}\n`);
    const details = verbose ? ((err.cause as Error | undefined)?.stack ?? err.stack) : err.details;
    if (details) process.stderr.write(`${indentStack(details)}\n`);
    return;
  }
  const e = err instanceof Error ? err : new Error(String(err));
  process.stderr.write(`${chalk.red('Internal error:')} ${e.message}\n${e.stack ?? ''}\n`);
}

/** The flink-ts package directory (two levels above this module, in dist/ or src/). */
const PACKAGE_DIR = fileURLToPath(new URL('../../', import.meta.url));

/** Keeps the user's frames and drops the engine's and Node's, which say nothing to a job author. */
function indentStack(stack: string): string {
  return stack
    .split('\n')
    .filter((l) => !/^\s+at /.test(l) || !(l.includes(PACKAGE_DIR) || /node:internal|node_modules/.test(l)))
    .map((l) => `  ${l.trim()}`)
    .join('\n');
}
