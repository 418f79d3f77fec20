import { sep } from 'node:path';
import chalk from 'chalk';
import { guardOutput, onOutputClosed } from '../util/closed-output.js';
import { FlinkError, asError } from '../util/errors.js';
import { findPackageRoot } from '../util/package-root.js';
import { oneLine, safeLines } from '../util/sanitize.js';

/** Lines of SPEC.md's CLI contract, in one place. */
export const lines = {
  submitted: (jobId: string) => `Job has been submitted with JobID ${jobId}`,
  finished: (jobId: string) => `Job with JobID ${jobId} has finished.`,
  runtime: (ms: number) => `Job Runtime: ${ms} ms`,
  cancelled: (jobId: string) => `Job with JobID ${jobId} has been cancelled.`,
  failed: (jobId: string, cause: string) => `Job with JobID ${jobId} failed: ${cause}`,
};

/**
 * Writes one line to stdout. Names from job files and snapshots reach the terminal through here
 * (a job's name, an operator uid in a crafted `_metadata`), so control characters — a newline
 * too, which would start a line that looks like ours — are shown as escapes.
 */
export function say(line: string): void {
  process.stdout.write(`${oneLine(line)}\n`);
}

/** Writes `value` as indented JSON (whose strings JSON itself escapes) to stdout. */
export function sayJson(value: unknown): void {
  process.stdout.write(`${safeLines(JSON.stringify(value, null, 2))}\n`);
}

/** Writes a warning to stderr, as one line. */
export function warn(line: string): void {
  process.stderr.write(`${chalk.yellow('Warning:')} ${oneLine(line)}\n`);
}

/** An error message longer than this is cut: it can only be long by echoing some input in full. */
const MAX_ERROR_LENGTH = 2000;

/**
 * Makes a closed stdout or stderr (the reader of a pipe gone: `flink list | head -1`) end output
 * quietly instead of with a stack trace: what is written to it is dropped and the command goes
 * on, like `ls | head` (a command that runs a job cancels it: see `onOutputClosed`). Any other
 * error on stdout (a full disk) is said once on stderr.
 */
export function guardTerminalOutput(): void {
  guardOutput(process.stdout);
  guardOutput(process.stderr);
  onOutputClosed((stream, err) => {
    if (stream !== process.stdout || err.code === 'EPIPE') return;
    stdoutFailed = true;
    warn(`Cannot write to stdout (${err.code ?? err.message}); further output is dropped.`);
  });
}

let stdoutFailed = false;

/**
 * True if output was lost for a reason other than its reader going away (a full disk under
 * `flink list --json > jobs.json`): the command must not exit 0 as if it were all written. A
 * write to a file fails synchronously but is reported a tick later, so wait one first.
 */
export async function outputWasLost(): Promise<boolean> {
  await new Promise((resolve) => setImmediate(resolve));
  return stdoutFailed;
}

/**
 * Reports an error on stderr: a FlinkError as one line (plus the user's own stack frames where
 * the error came from user code); anything else is a bug in flink-ts and is shown with its
 * stack. `verbose` adds every stack in full: the error's and its causes'.
 */
export function reportError(err: unknown, verbose: boolean): void {
  if (err instanceof FlinkError) {
    const site = verbose || typeof err.details !== 'string' ? undefined : callSiteOf(err.details);
    const message = site === undefined ? err.message : `${err.message} (at ${site})`;
    process.stderr.write(`${chalk.red('Error:')} ${oneLine(message, MAX_ERROR_LENGTH)}\n`);
    const details = verbose ? fullStacks(err) : site === undefined && typeof err.details === 'string' && userFrames(err.details, err.message);
    if (details) process.stderr.write(`${safeLines(details)}\n`);
    return;
  }
  const e = asError(err);
  process.stderr.write(`${chalk.red('Internal error:')} ${oneLine(e.message, MAX_ERROR_LENGTH)}\n${safeLines(e.stack ?? '')}\n`);
}

/** The flink-ts package directory, with a trailing separator. */
const packageDir = (): string | undefined => {
  const root = findPackageRoot();
  return root === undefined ? undefined : `${root}${sep}`;
};

const FRAME = /^\s+at /;
const NATIVE_FRAME = /\(<anonymous>\)\s*$/;

/** Whether a stack frame is the engine's (flink-ts's own files) or Node's, not the user's. */
function isEngineFrame(frame: string, dir: string | undefined): boolean {
  return (dir !== undefined && frame.includes(dir)) || /[( ]node:[a-z]|node_modules/.test(frame);
}

/**
 * Where the user's code called flink-ts, when flink-ts itself raised the error: a bad argument
 * (`withGap(Duration.ofMillis(0))`), a timer or per-window state used where it cannot be. Such a
 * message already says what is wrong and what to do, so it stays one line, naming the user's
 * line (`/job.ts:3:77`) instead of a stack under it. Undefined when the stack's first frame is
 * not flink-ts's (the user's code threw: its frames are shown) or no frame is the user's.
 */
function callSiteOf(details: string): string | undefined {
  const dir = packageDir();
  if (dir === undefined) return undefined;
  const frames = details.split('\n').filter((l) => FRAME.test(l));
  if (frames.length === 0 || !frames[0]!.includes(dir)) return undefined;
  // A native frame (`Array.flatMap (<anonymous>)`) names no place in the user's files.
  const user = frames.find((f) => !isEngineFrame(f, dir) && !NATIVE_FRAME.test(f));
  if (user === undefined) return undefined;
  const at = user.trim().slice('at '.length);
  return /\(([^()]*)\)$/.exec(at)?.[1] ?? at;
}

/**
 * The user's frames of a stack, under the error line they belong to, indented; the engine's
 * and Node's frames say nothing to a job author. Empty when a stack had frames and none of them
 * is the user's: its error line alone repeats the message already printed. Details that are
 * not a stack (a note) are kept as they are.
 */
function userFrames(details: string, message: string): string {
  const all = details.split('\n');
  const dir = packageDir();
  const kept = all.filter((l) => !FRAME.test(l) || !isEngineFrame(l, dir));
  // A native frame (`Array.map (<anonymous>)`) is kept among the user's frames, but is none of
  // them: an engine error raised inside one (a FileSink refusing a damaged snapshot's state, in a
  // `.map` of the restore) has no frame of the user's to show.
  if (all.some((l) => FRAME.test(l)) && !kept.some((l) => FRAME.test(l) && !NATIVE_FRAME.test(l))) return '';
  // A stack without any frame (Error.stackTraceLimit = 0, a stack set by hand) is its error
  // line alone: the message already printed, not a note.
  if (!all.some((l) => FRAME.test(l)) && isErrorLineOf(all[0]!, message)) return '';
  return capText(kept).map((l) => `  ${l.trim()}`).join('\n');
}

/** Lines of text (not frames) shown under an error, at most; more are counted, not shown. */
const MAX_TEXT_LINES = 20;

/**
 * The error's own text lines, which repeat its message (a job's error may be 100 kB, or
 * thousands of lines), cut as the message's line is: each line at {@link MAX_ERROR_LENGTH}
 * characters, and at most {@link MAX_TEXT_LINES} of them. Frames are kept.
 */
function capText(lines: readonly string[]): string[] {
  const out: string[] = [];
  let text = 0;
  let dropped = 0;
  for (const l of lines) {
    if (FRAME.test(l)) {
      if (dropped > 0) out.push(`… (${dropped} more lines)`);
      dropped = 0;
      out.push(l);
    } else if (text++ < MAX_TEXT_LINES) out.push(oneLine(l, MAX_ERROR_LENGTH));
    else dropped++;
  }
  if (dropped > 0) out.push(`… (${dropped} more lines)`);
  return out;
}

/** Whether `line` is the `Name: message` line of an error whose message `message` ends with. */
function isErrorLineOf(line: string, message: string): boolean {
  const m = /^\s*[\w$.]*(?:Error|Exception)[\w$.]*: ([\s\S]*)$/.exec(line);
  return m !== null && m[1]!.length > 0 && message.endsWith(m[1]!.split('\n')[0]!);
}

/** Every stack of `err` and its chain of causes, unfiltered (`--verbose`). */
function fullStacks(err: Error): string {
  const parts: string[] = [];
  const seen = new Set<unknown>();
  const chain: Error[] = [];
  for (let e: unknown = err; e instanceof Error && !seen.has(e); e = e.cause) {
    seen.add(e);
    // Read through asError: a user's error may have a stack that is not text, or a getter that throws.
    const readable = asError(e);
    chain.push(readable);
    parts.push(`${parts.length === 0 ? '' : 'Caused by: '}${readable.stack ?? `Error: ${readable.message}`}`);
  }
  // Details no stack of the chain holds are shown too: the user's stack from a worker thread
  // (its error crossed as text), a note (the log of a detached job that failed to start).
  const shown = new Set(chain.map((e) => e.stack));
  for (const e of chain) {
    if (!(e instanceof FlinkError) || typeof e.details !== 'string' || !e.details || shown.has(e.details)) continue;
    shown.add(e.details);
    parts.push(e.details.split('\n').some((l) => FRAME.test(l)) ? `Caused by: ${e.details.trim()}` : e.details);
  }
  return parts.map((p) => p.split('\n').map((l) => `  ${l.trim()}`).join('\n')).join('\n');
}
