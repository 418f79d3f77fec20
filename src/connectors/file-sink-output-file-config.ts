/**
 * How a FileSink names its part files (Flink's `OutputFileConfig`): `<partPrefix>-<run>-<subtask>-
 * <counter><partSuffix>`, where `<run>` is the first 12 characters of the job id, 8 hex digits
 * naming the sink (from its uid) and 8 random hex digits (one run of one subtask).
 *
 * @example
 * FileSink.forRowFormat<string>('out')
 *   .withOutputFileConfig(OutputFileConfig.builder().withPartPrefix('prefix').withPartSuffix('.ext').build())
 */
export class OutputFileConfig {
  readonly partPrefix: string;
  readonly partSuffix: string;

  /** Both must be strings without a path separator (Flink only checks they are not null). */
  constructor(partPrefix: string, partSuffix: string) {
    this.partPrefix = fileNamePart('OutputFileConfig', 'partPrefix', partPrefix);
    this.partSuffix = fileNamePart('OutputFileConfig', 'partSuffix', partSuffix);
  }

  /** Prefix `part`, no suffix, until set. */
  static builder(): OutputFileConfigBuilder {
    return new OutputFileConfigBuilder();
  }

  getPartPrefix(): string {
    return this.partPrefix;
  }

  getPartSuffix(): string {
    return this.partSuffix;
  }
}

/** Builds an {@link OutputFileConfig} (Flink's `OutputFileConfig.OutputFileConfigBuilder`). */
export class OutputFileConfigBuilder {
  private partPrefix = DEFAULT_PART_PREFIX;
  private partSuffix = DEFAULT_PART_SUFFIX;

  withPartPrefix(prefix: string): this {
    this.partPrefix = prefix;
    return this;
  }

  withPartSuffix(suffix: string): this {
    this.partSuffix = suffix;
    return this;
  }

  build(): OutputFileConfig {
    return new OutputFileConfig(this.partPrefix, this.partSuffix);
  }
}

/** The same settings as a plain object (what `withOutputFileConfig` took first); unset ones keep their defaults. */
export interface OutputFileConfigOptions {
  readonly partPrefix?: string;
  readonly partSuffix?: string;
}

const DEFAULT_PART_PREFIX = 'part';
const DEFAULT_PART_SUFFIX = '';

/** `config` as an OutputFileConfig; a plain object's settings are checked, errors naming `caller`. */
export function outputFileConfigOf(config: OutputFileConfig | OutputFileConfigOptions, caller: string): OutputFileConfig {
  if (config instanceof OutputFileConfig) return config;
  const prefix = fileNamePart(caller, 'partPrefix', config?.partPrefix ?? DEFAULT_PART_PREFIX);
  const suffix = fileNamePart(caller, 'partSuffix', config?.partSuffix ?? DEFAULT_PART_SUFFIX);
  return new OutputFileConfig(prefix, suffix);
}

/**
 * `value` if it can frame a part's file name: a string without a path separator or NUL. A
 * separator would put the part in another directory than its bucket's — and `..` out of the
 * sink's directory — and its hidden name (`.` + name) would no longer be hidden there.
 */
function fileNamePart(caller: string, setting: 'partPrefix' | 'partSuffix', value: unknown): string {
  if (typeof value !== 'string' || /[\\/\0]/.test(value)) {
    const shown = typeof value === 'string' ? JSON.stringify(value) : typeof value;
    throw new TypeError(`${caller}: ${setting} must be a string without '/', '\\' or NUL (it is part of a file name); got ${shown}.`);
  }
  return value;
}
