/**
 * Runs a job file as `flink run` does, in this process and untracked: the file is imported as a
 * program (its arguments in `process.argv`), its `env.execute()` hands over the pipeline, and a
 * JobMaster runs it with a configuration as `-D` would give it — the same compilation,
 * checkpoint coordinator, storage and state backends, minus the job's row in flink.db.
 */
import { existsSync, readdirSync } from 'node:fs';
import { register } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { JobExecutionResult, type Pipeline, setContextExecutor } from '../../src/api/index.js';
import { JobMaster } from '../../src/cluster/index.js';
import { Configuration } from '../../src/config/index.js';
import type { SinkFunctionLike, Transformation } from '../../src/graph/index.js';
import { systemClock } from '../../src/util/clock.js';
import { newJobId } from '../../src/util/ids.js';

let resolverRegistered = false;
let loads = 0;

/**
 * Job files import 'flink-ts'; here it must be the engine this process runs (src/, as the bench
 * imports it), not the built package, so the job's pipeline is one this JobMaster understands
 * (`flink run` resolves it to the CLI's own package the same way).
 */
function resolveFlinkTsToSource(): void {
  if (resolverRegistered) return;
  resolverRegistered = true;
  register(new URL('flink-ts-from-source.ts', import.meta.url), { data: { entry: new URL('../../src/index.js', import.meta.url).href } });
}

/**
 * The pipeline a job file defines when run with `args`. Each call imports the file afresh (a
 * new module instance), so every run gets its own functions and state.
 *
 * @throws Error if the file never calls `env.execute()`
 */
export async function loadJobPipeline(file: string, args: readonly string[]): Promise<Pipeline> {
  resolveFlinkTsToSource();
  let captured: Pipeline | undefined;
  const argv = process.argv;
  setContextExecutor({
    execute: async (p) => {
      captured ??= p;
      return new JobExecutionResult('bench', p.jobName, 0);
    },
  });
  process.argv = [argv[0]!, file, ...args];
  try {
    await import(`${pathToFileURL(file).href}?load=${++loads}`);
  } finally {
    process.argv = argv;
    setContextExecutor(undefined);
  }
  if (captured === undefined) throw new Error(`${file} defined no job (it never called env.execute())`);
  return captured;
}

/**
 * The pipeline with the sink function of the operator with uid `uid` replaced by `fn`, or
 * undefined if it has no such sink (a job writing through a `Sink`, such as FileSink, keeps it).
 */
export function replaceSinkFunction(pipeline: Pipeline, uid: string, fn: SinkFunctionLike<unknown>): Pipeline | undefined {
  const isSink = (t: Transformation) => t.uid === uid && t.kind === 'operator' && t.operator.kind === 'sinkFunction';
  if (!pipeline.transformations.some(isSink)) return undefined;
  // A sink is a leaf: no other transformation refers to it, so a copy can take its place.
  const transformations = pipeline.transformations.map((t) => (isSink(t) && t.kind === 'operator' ? { ...t, operator: { kind: 'sinkFunction' as const, fn } } : t));
  return { ...pipeline, transformations };
}

/** The checkpointing and state backend a job runs with (what `-D` gives `flink run`). */
export interface RunSettings {
  readonly backend: 'hashmap' | 'lmdb';
  readonly incremental: boolean;
  readonly checkpointIntervalMs: number;
  readonly parallelism: number;
  /** Checkpoints and the lmdb working files go under it. */
  readonly workDir: string;
}

/** What a run left behind that shows it checkpointed. */
export interface JobRunOutcome {
  /** Where the job's checkpoints are (`chk-<n>` directories). */
  readonly checkpointsDir: string;
}

/** Runs `pipeline` to its end under a JobMaster with EXACTLY_ONCE checkpoints as `settings` say. */
export async function runUnderJobMaster(pipeline: Pipeline, settings: RunSettings): Promise<JobRunOutcome> {
  const configuration = new Configuration(settings.workDir)
    .with('parallelism.default', settings.parallelism)
    .with('execution.checkpointing.interval', settings.checkpointIntervalMs)
    .with('execution.checkpointing.mode', 'EXACTLY_ONCE')
    .with('execution.checkpointing.dir', join(settings.workDir, 'checkpoints'))
    .with('execution.checkpointing.incremental', settings.incremental)
    .with('state.backend.type', settings.backend)
    .with('state.backend.lmdb.local-directory', join(settings.workDir, 'lmdb'))
    // As every bench job: object reuse on (see the README's "Object reuse").
    .with('pipeline.object-reuse', true)
    // A failure must end the run, not be recovered from inside the measurement.
    .with('restart-strategy.type', 'none');
  const jobId = newJobId();
  await new JobMaster({ jobId, pipeline, configuration, clock: systemClock }).run();
  return { checkpointsDir: join(settings.workDir, 'checkpoints', jobId) };
}

/** The ids of the completed checkpoints retained in `dir` (those with a `_metadata`). */
export function retainedCheckpoints(dir: string): number[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((name) => /^chk-(\d+)$/.exec(name))
    .filter((m): m is RegExpExecArray => m !== null && existsSync(join(dir, m[0], '_metadata')))
    .map((m) => Number(m[1]));
}
