import { describeArgument } from '../util/describe-argument.js';
import { echo } from '../util/sanitize.js';

/**
 * Flink's ExecutionConfig.GlobalJobParameters: anything whose `toMap()` gives the parameters as
 * strings, such as a {@link ParameterTool}.
 */
export interface GlobalJobParameters {
  toMap(): ReadonlyMap<string, string> | Readonly<Record<string, string>>;
}

/** What `setGlobalJobParameters` takes: GlobalJobParameters, or the map itself. */
export type GlobalJobParametersLike = GlobalJobParameters | ReadonlyMap<string, string> | Readonly<Record<string, string>>;

/**
 * Flink's ExecutionConfig: settings of how a job runs, made in its code (they win over
 * `config.yaml` and `-D`). Only what this engine has: the watermark interval, object reuse and
 * the global job parameters.
 */
export class ExecutionConfig {
  private autoWatermarkInterval: number | undefined;
  private objectReuse: boolean | undefined;
  private globalJobParameters: GlobalJobParameters | undefined;
  /** The parameters' strings, copied when set: what the job's functions read. */
  private globalJobParameterValues: Readonly<Record<string, string>> | undefined;

  /**
   * @param configuredObjectReuse `pipeline.object-reuse` as configured outside the code
   * (`config.yaml`, `-D`): what {@link isObjectReuseEnabled} says until the code sets it
   */
  constructor(private readonly configuredObjectReuse: () => boolean = () => false) {}

  /**
   * How often periodic watermark generators emit (`pipeline.auto-watermark-interval`), in
   * milliseconds of processing time; 0 turns periodic emission off (punctuated generators and
   * the watermark at the end of input still work).
   */
  setAutoWatermarkInterval(intervalMs: number): this {
    if (!Number.isInteger(intervalMs) || intervalMs < 0 || intervalMs > 2_147_483_647) {
      throw new RangeError(`The auto-watermark interval must be a whole number of milliseconds from 0 to 2147483647, got ${describeArgument(intervalMs)}.`);
    }
    this.autoWatermarkInterval = intervalMs;
    return this;
  }

  /** The interval set in code, or -1 if the configured one (default 200 ms) applies. */
  getAutoWatermarkInterval(): number {
    return this.autoWatermarkInterval ?? -1;
  }

  /** @internal The interval set in code, if any. */
  get autoWatermarkIntervalSetting(): number | undefined {
    return this.autoWatermarkInterval;
  }

  /**
   * Lets operators share records (`pipeline.object-reuse: true`), as Flink's: a chained operator
   * gets the object the operator before it emitted, every output of a fan-out gets the same one,
   * and a keyBy or rebalance within a thread hands it on as it is. Faster (no copies), but a
   * function must then neither change a record after emitting it nor keep changing one it was
   * given. Without it (the default) every operator gets its own copy. See the README's "Object
   * reuse".
   *
   * @example
   * env.getConfig().enableObjectReuse();
   */
  enableObjectReuse(): this {
    this.objectReuse = true;
    return this;
  }

  /** Gives every operator its own copy of each record (`pipeline.object-reuse: false`, the default). */
  disableObjectReuse(): this {
    this.objectReuse = false;
    return this;
  }

  /** Whether operators share records: as set in code, else as configured (`pipeline.object-reuse`, default false). */
  isObjectReuseEnabled(): boolean {
    return this.objectReuse ?? this.configuredObjectReuse();
  }

  /** @internal Object reuse as set in code, if it was. */
  get objectReuseSetting(): boolean | undefined {
    return this.objectReuse;
  }

  /**
   * Parameters every function of the job can read, in every subtask and worker thread, with
   * `getRuntimeContext().getGlobalJobParameters()` (Flink's, a read-only map of strings), and
   * that `flink web` shows as the job's `user-config` (`GET /jobs/:jobid/config`). Takes a
   * ParameterTool (anything with `toMap()`), a Map or a plain object of strings; they are copied
   * now, so later changes to `params` do not reach the job.
   *
   * @example
   * const params = ParameterTool.fromArgs(process.argv.slice(2));
   * env.getConfig().setGlobalJobParameters(params);
   * // in a rich function's open(): this.getRuntimeContext().getGlobalJobParameters().get('threshold')
   */
  setGlobalJobParameters(params: GlobalJobParametersLike): this {
    const entries = parameterEntries(params);
    this.globalJobParameterValues = Object.fromEntries(entries);
    this.globalJobParameters = hasToMap(params) ? params : { toMap: () => new Map(entries) };
    return this;
  }

  /** What `setGlobalJobParameters` was given (a ParameterTool as such); empty parameters if nothing. */
  getGlobalJobParameters(): GlobalJobParameters {
    return this.globalJobParameters ?? { toMap: () => new Map<string, string>() };
  }

  /** @internal The parameters as set in code, copied: what the job's runtime contexts give out. */
  get globalJobParametersSetting(): Readonly<Record<string, string>> | undefined {
    return this.globalJobParameterValues;
  }
}

function hasToMap(params: GlobalJobParametersLike): params is GlobalJobParameters {
  return typeof (params as { toMap?: unknown }).toMap === 'function';
}

/** The parameters' entries, checked to be strings: a number would reach functions as something a Map<string, string> never holds. */
function parameterEntries(params: GlobalJobParametersLike): Array<[string, string]> {
  if (params === null || typeof params !== 'object' || Array.isArray(params)) {
    throw new TypeError(`setGlobalJobParameters needs a ParameterTool, a Map or an object of strings, got ${describeArgument(params)}.`);
  }
  const map = hasToMap(params) ? params.toMap() : params;
  const entries: Array<[string, unknown]> = map instanceof Map ? [...(map as ReadonlyMap<string, unknown>).entries()] : Object.entries(map);
  for (const [key, value] of entries) {
    if (typeof key !== 'string') throw new TypeError(`Global job parameter keys must be strings, got ${describeArgument(key)}.`);
    if (typeof value !== 'string') throw new TypeError(`Global job parameter '${echo(key)}' must be a string, got ${describeArgument(value)}.`);
  }
  return entries as Array<[string, string]>;
}
