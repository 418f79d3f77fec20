/**
 * The codes of the errors the job file's module hooks throw. They are thrown in Node's hooks
 * thread and reach the job loader as plain errors (their class is lost on the way, their own
 * properties are not), which turns each into a one-line JobFileError. A module of its own, so the
 * loader names them without loading the hooks' code.
 */

/** A file that does not compile; the error carries a {@link CompileErrorDetail}. */
export const COMPILE_ERROR_CODE = 'FLINK_TS_COMPILE';

/** A tsconfig.json that cannot be read, or whose `extends` cannot be found. */
export const TSCONFIG_ERROR_CODE = 'FLINK_TS_TSCONFIG';

/** What a {@link COMPILE_ERROR_CODE} error carries, besides its message. */
export interface CompileErrorDetail {
  readonly file: string;
  /** 1-based, or 0 when esbuild gave no location. */
  readonly line: number;
  /** 0-based, as esbuild reports it. */
  readonly column: number;
  readonly text: string;
}
