/**
 * Typed errors with a stable `code` and a message written for the user: what went wrong and
 * what to do. The CLI maps any {@link FlinkError} to one line on stderr and exit code 1; any
 * other error is a bug and is shown with its stack.
 */
export class FlinkError extends Error {
  /** A stable, machine-readable code such as `config.unknownKey`. */
  readonly code: string;
  /** Extra lines shown under the message (e.g. the user's stack), already formatted. */
  readonly details: string | undefined;

  constructor(code: string, message: string, options?: { cause?: unknown; details?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.details = options?.details;
  }
}

/**
 * A bad value in config.yaml, in `-D`, or in a job's own settings. Its message ends as the CLI's
 * other one-line errors end, with a full stop (or the question of a "did you mean").
 */
export class ConfigError extends FlinkError {
  constructor(message: string, code = 'config.invalid') {
    super(code, /[.?]$/.test(message) ? message : `${message}.`);
  }
}

/** The job file cannot be loaded: missing, does not compile, or never calls `execute()`. */
export class JobFileError extends FlinkError {
  constructor(code: string, message: string, options?: { cause?: unknown; details?: string }) {
    super(code, message, options);
  }
}

/** The job definition is invalid (e.g. a bad parallelism, a duplicate uid). */
export class JobDefinitionError extends FlinkError {
  constructor(message: string) {
    super('job.invalidDefinition', message);
  }
}

/** A job id or prefix names no job, or more than one. */
export class JobNotFoundError extends FlinkError {
  constructor(message: string, code = 'job.notFound') {
    super(code, message);
  }
}

/** A command cannot act on a job in its current status. */
export class IllegalJobStateError extends FlinkError {
  constructor(message: string) {
    super('job.illegalState', message);
  }
}

/** A user function threw while processing; carries the operator's name and the user's stack. */
export class UserCodeError extends FlinkError {
  readonly operatorName: string;
  /** @param uid named in the message where it helps (e.g. state that does not fit on restore) */
  constructor(operatorName: string, cause: unknown, uid?: string) {
    const err = asError(cause);
    const who = uid === undefined ? `"${operatorName}"` : `"${operatorName}" (uid '${uid}')`;
    super('job.userCodeFailed', `Operator ${who} failed: ${err.message}`, {
      cause: err,
      details: err.stack,
    });
    this.operatorName = operatorName;
  }
}

/**
 * Restored state does not fit the job: a state changed kind, TTL was turned on or off, a
 * serializer cannot read what was written. Retrying cannot help, so the job fails at once
 * instead of going through its restart strategy.
 */
export class StateMigrationError extends FlinkError {
  constructor(message: string, code = 'state.incompatible') {
    super(code, message);
  }
}

/**
 * A restored keyed operator's records bring keys of another type than its state was written
 * with (`'7'` restored, `7` now): none of its state would be found. Flink refuses such a restore
 * because the key serializer changed; like a state migration refusal, no restart can fix it.
 */
export class KeyTypeChangedError extends StateMigrationError {
  constructor(message: string) {
    super(message, 'state.keyTypeChanged');
  }
}

/**
 * A state value its serializer cannot write into a checkpoint (e.g. a value that does not fit
 * its Avro schema). The message names the state and the field.
 */
export class StateSerializationError extends FlinkError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('state.unserializable', message, options);
  }
}

/**
 * A snapshot cannot be restored: missing, damaged, foreign, or state that does not fit the job.
 * The message names the snapshot (or the operator, state file and key group) and why.
 */
export class SnapshotRestoreError extends FlinkError {
  constructor(message: string, code = 'snapshot.invalid') {
    super(code, message);
  }
}

/**
 * A sink's target cannot take the job's rows as the job is written — a table that is missing or
 * does not fit, a server setting the sink needs, a committed transaction the server lost — and
 * no restart changes that, so the job fails at once instead of going through its restart
 * strategy (which would meet the same misfit at every attempt).
 */
export class SinkTargetError extends FlinkError {}

/** The job ended because it was cancelled. */
export class JobCancelledError extends FlinkError {
  constructor(message = 'The job was cancelled.') {
    super('job.cancelled', message);
  }
}

/** The metadata store (flink.db) cannot be opened or used. */
export class MetadataError extends FlinkError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('metadata.unavailable', message, options);
  }
}

/**
 * A record the record codec cannot encode (a Symbol or a function value), met where a record is copied: on its
 * way to another thread, or to each consumer subtask of a broadcast edge. No restart changes it.
 */
export class RecordEncodingError extends FlinkError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('record.unencodable', message, options);
  }
}

/** The message of a thrown value: an Error's, or the value as a string. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Formats any thrown value as one line for the user (FlinkError) or a stack (a bug). */
export function describeError(err: unknown): string {
  if (err instanceof FlinkError) return err.message;
  if (err instanceof Error) return err.stack ?? err.message;
  return String(err);
}

/**
 * Any thrown value as an Error whose message is a string and whose stack is a string or
 * undefined, read without throwing: a job file may throw anything — null, an object without a
 * prototype, a Proxy, an Error whose `message` getter or `toString` throws, or whose `stack` is
 * not a string. An Error that is sound is returned as it is.
 */
export function asError(thrown: unknown): Error {
  if (thrown instanceof Error) {
    const message = read(() => thrown.message);
    const stack = read(() => thrown.stack);
    if (typeof message === 'string' && (stack === undefined || typeof stack === 'string')) return thrown;
    const e = new Error(typeof message === 'string' ? message : showValue(message));
    e.stack = typeof stack === 'string' ? stack : `Error: ${e.message}`;
    return e;
  }
  return new Error(showValue(thrown));
}

function read(get: () => unknown): unknown {
  try {
    return get();
  } catch {
    return CANNOT_READ;
  }
}

const CANNOT_READ = Symbol('cannot read');

/** A value as text, for a message: never throws. */
function showValue(v: unknown): string {
  if (v === CANNOT_READ) return 'an error whose message cannot be read';
  try {
    return String(v);
  } catch {
    try {
      return Object.prototype.toString.call(v);
    } catch {
      return 'a value that cannot be shown';
    }
  }
}

/** The first non-blank line of an error message (the message itself if it has none). */
export function firstLineOf(message: string): string {
  return message.split('\n').find((l) => l.trim().length > 0) ?? message;
}
