import { randomBytes } from 'node:crypto';

declare const brand: unique symbol;
/** A nominal type: a `string` or `number` that cannot be mixed up with another kind. */
export type Brand<T, B extends string> = T & { readonly [brand]: B };

/** A job id: 32 lowercase hex characters, as in Flink. */
export type JobId = Brand<string, 'JobId'>;
/** A checkpoint id: increases from 1 within a job and continues after restore. */
export type CheckpointId = Brand<number, 'CheckpointId'>;
/** The stable id of an operator; state is mapped to operators by it on restore. */
export type OperatorUid = Brand<string, 'OperatorUid'>;

const JOB_ID = /^[0-9a-f]{32}$/;

/** A fresh random job id. */
export function newJobId(): JobId {
  return randomBytes(16).toString('hex') as JobId;
}

/** True if `s` has the exact shape of a job id. */
export function isJobId(s: string): s is JobId {
  return JOB_ID.test(s);
}

/** True if `s` can be used as a job id prefix (6 to 32 lowercase hex characters). */
export function isJobIdPrefix(s: string): boolean {
  return /^[0-9a-f]{6,32}$/.test(s);
}
