import { isAbsolute } from 'node:path';
import type { CommandRecord, JobRecord, MetadataStore } from '../../metadata/index.js';
import { isTerminal } from '../../metadata/index.js';
import { FlinkError } from '../../util/errors.js';
import { isFileUri, localPathOf } from '../../util/file-uri.js';
import type { JobId } from '../../util/ids.js';

/**
 * The REST calls that change a job: each writes a command into flink.db for the job's process,
 * as `flink cancel`, `flink savepoint` and `flink stop` do, and returns at once (202), as
 * Flink's asynchronous operations do; a savepoint's outcome is read back by its trigger id.
 */

/** An HTTP error answer: Flink's `{"errors": [message]}` with this status. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** What a handler answers. */
export interface Reply {
  readonly status: number;
  readonly body: unknown;
}

/**
 * A 32-hex-digit id from a path (a job's, a vertex's, a trigger's), in lower case: Flink parses
 * these case-insensitively and answers 400 for anything else.
 */
export function hexIdParam(value: string, what: string): string {
  if (!/^[0-9a-f]{32}$/i.test(value)) throw new HttpError(400, `'${value.slice(0, 64)}' is not a ${what} id: ${what} ids are 32 hexadecimal characters.`);
  return value.toLowerCase();
}

/** The job with exactly this id (Flink's REST API takes full ids only). */
export function jobOrNotFound(store: MetadataStore, id: string): JobRecord {
  const jobId = hexIdParam(id, 'job');
  const job = store.getJob(jobId);
  if (job === undefined) throw new HttpError(404, `Job ${jobId} not found.`);
  return job;
}

/** A trigger id is the command's id as 32 hex digits (Flink's TriggerId format). */
export function triggerIdOf(commandId: number): string {
  return commandId.toString(16).padStart(32, '0');
}

function commandIdOf(triggerId: string): number | undefined {
  const n = Number.parseInt(triggerId.slice(-13), 16);
  return /^0{19}/.test(triggerId) && Number.isSafeInteger(n) ? n : undefined;
}

function requireState(job: JobRecord, ok: (j: JobRecord) => boolean, action: string): void {
  if (ok(job)) return;
  const cause = job.failureCause ? ` (${job.failureCause})` : '';
  throw new HttpError(409, `Job ${job.jobId} is ${job.status}${cause}; only a running job can be ${action}.`);
}

/** A target directory from a request body: an absolute path or a `file:` URI; undefined if not given. */
function targetDirectory(body: Record<string, unknown>, field: string): string | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  // A NUL byte can be in no path (the file system call would fail later, after the 202).
  if (typeof v !== 'string' || v.trim() === '' || v.includes('\0')) throw new HttpError(400, `'${field}' must be a directory path.`);
  if (!isFileUri(v) && !isAbsolute(v)) throw new HttpError(400, `'${field}' must be an absolute path or a file: URI, not '${v.slice(0, 200)}'.`);
  try {
    return localPathOf(v);
  } catch (err) {
    throw new HttpError(400, err instanceof FlinkError ? err.message : String(err));
  }
}

function booleanField(body: Record<string, unknown>, field: string): boolean {
  const v = body[field];
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') throw new HttpError(400, `'${field}' must be true or false.`);
  return v;
}

/** `PATCH /jobs/:jobid?mode=cancel`: 202 once the cancel is queued; the job then goes CANCELLING → CANCELED. */
export function cancelJob(store: MetadataStore, job: JobRecord, mode: string | undefined): Reply {
  if (mode !== undefined && mode.toLowerCase() !== 'cancel') {
    throw new HttpError(400, `mode '${mode.slice(0, 64)}' is not supported: use mode=cancel, or POST /jobs/:jobid/stop to stop with a savepoint.`);
  }
  // A job cancelled already is acknowledged again, as Flink's Dispatcher does (a client may
  // retry a cancel); any other ended job is a conflict.
  if (job.status === 'CANCELED') return { status: 202, body: {} };
  requireState(job, (j) => !isTerminal(j.status), 'cancelled');
  store.submitCommand(job.jobId, 'cancel');
  return { status: 202, body: {} };
}

/**
 * `POST /jobs/:jobid/savepoints` with `{"target-directory"?: path}`: 202 with the trigger id.
 * `cancel-job: true` (Flink's deprecated cancel-with-savepoint) is refused: use stop.
 */
export function triggerSavepoint(store: MetadataStore, job: JobRecord, body: Record<string, unknown>): Reply {
  const dir = targetDirectory(body, 'target-directory');
  if (booleanField(body, 'cancel-job')) {
    throw new HttpError(400, "'cancel-job' is not supported: POST /jobs/:jobid/stop takes a savepoint and ends the job.");
  }
  requireState(job, (j) => j.status === 'RUNNING', 'savepointed');
  const id = store.submitCommand(job.jobId, 'savepoint', dir === undefined ? {} : { dir });
  return { status: 202, body: { 'request-id': triggerIdOf(id) } };
}

/** `POST /jobs/:jobid/stop` with `{"targetDirectory"?: path, "drain"?: bool}`: 202 with the trigger id. */
export function stopJob(store: MetadataStore, job: JobRecord, body: Record<string, unknown>): Reply {
  const dir = targetDirectory(body, 'targetDirectory');
  const drain = booleanField(body, 'drain');
  requireState(job, (j) => j.status === 'RUNNING', 'stopped');
  const id = store.submitCommand(job.jobId, 'stop', { drain, ...(dir === undefined ? {} : { dir }) });
  return { status: 202, body: { 'request-id': triggerIdOf(id) } };
}

/**
 * `GET /jobs/:jobid/savepoints/:triggerid` (savepoints and stops alike): IN_PROGRESS, or
 * COMPLETED with the savepoint's `location` or a `failure-cause`. A command the job's process
 * can no longer answer (the job ended, or its process is gone) is COMPLETED with a failure.
 */
export function savepointStatus(store: MetadataStore, job: JobRecord, trigger: string): Reply {
  const triggerId = hexIdParam(trigger, 'trigger');
  const id = commandIdOf(triggerId);
  const cmd: CommandRecord | undefined = id === undefined ? undefined : store.getCommand(id);
  if (cmd === undefined || cmd.jobId !== (job.jobId as JobId) || (cmd.kind !== 'savepoint' && cmd.kind !== 'stop')) {
    throw new HttpError(404, `There is no savepoint operation ${triggerId.slice(0, 64)} for job ${job.jobId}.`);
  }
  const failed = (message: string) => ({
    status: 200,
    body: { status: { id: 'COMPLETED' }, operation: { 'failure-cause': { class: 'flink-ts.command.failed', 'stack-trace': message, 'serialized-throwable': null } } },
  });
  if (cmd.status === 'DONE') {
    const result = cmd.result as { path?: unknown } | null;
    return { status: 200, body: { status: { id: 'COMPLETED' }, operation: { location: typeof result?.path === 'string' ? result.path : null } } };
  }
  if (cmd.status === 'FAILED') return failed(cmd.error ?? 'unknown error');
  if (isTerminal(job.status)) return failed(`the job ended as ${job.status} before the savepoint completed`);
  // Flink's AsynchronousOperationResult writes its operation even while there is none.
  return { status: 200, body: { status: { id: 'IN_PROGRESS' }, operation: null } };
}
