/**
 * The `flink` subcommands as data: each one's usage (arguments and options, as `--help` shows
 * them) and what runs it. `run` imports its command module only when the command is chosen, so
 * `flink list` never loads the engine.
 */
import { InvalidArgumentError, Option } from 'commander';
import { UPPER_BOUND_MAX_PARALLELISM as MAX_PARALLELISM } from '../config/options.js';
import { FlinkError } from '../util/errors.js';

/** One subcommand. */
export interface CliCommand {
  readonly name: string;
  readonly description: string;
  /** Positional arguments as `[usage, description]`, e.g. `['<jobId>', ...]`. */
  readonly arguments?: readonly (readonly [string, string])[];
  readonly options?: readonly Option[];
  /** Everything after the first argument goes to it unparsed (the job's own options). */
  readonly passThroughOptions?: boolean;
  /** Runs the command with commander's arguments (the positional ones, then the options); resolves to the exit code. */
  readonly run: (...args: never[]) => Promise<number>;
}

/** What a job id argument may be (util/ids.ts's isJobIdPrefix). */
const JOB_ID = ['<jobId>', 'a job id or a unique prefix of at least 6 characters'] as const;

/** The number `value` spells in decimal digits (white space around allowed), else NaN. */
function wholeNumber(value: string): number {
  return /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
}

/** No operator can have more subtasks than key groups, and a job has at most 32768 of those. */
function parseParallelism(value: string): number {
  const n = wholeNumber(value);
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_PARALLELISM) {
    throw new InvalidArgumentError(`The parallelism must be an integer from 1 to ${MAX_PARALLELISM}.`);
  }
  return n;
}

/**
 * Flink's `--type` of `flink savepoint` and `flink stop`: `canonical` is what every savepoint
 * here is (any backend restores it); Flink's backend-specific `native` format is not written.
 */
function parseSavepointFormat(v: string): 'canonical' {
  if (v === 'canonical') return v;
  if (v === 'native') throw new InvalidArgumentError("flink-ts writes savepoints in the canonical format only (every state backend restores it): leave out '--type native'.");
  throw new InvalidArgumentError(`The savepoint format must be canonical (Flink's native is not written here), got '${v}'.`);
}

/** A TCP port: 0 (any free one) to 65535. */
function parsePort(value: string): number {
  const n = wholeNumber(value);
  if (!Number.isSafeInteger(n) || n > 65535) throw new InvalidArgumentError('The port must be a whole number from 0 to 65535 (0: any free port).');
  return n;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

const option = (flags: string, description: string): Option => new Option(flags, description);
const jsonArray = (): Option => option('--json', 'print a JSON array');

interface RunCliOptions {
  detached?: boolean;
  parallelism?: number;
  D: string[];
  fromSavepoint?: string;
  allowNonRestoredState?: boolean;
  claimMode: 'claim' | 'no_claim';
}

export const COMMANDS: readonly CliCommand[] = [
  {
    name: 'run',
    description: 'run a job file',
    arguments: [
      ['<jobFile>', 'the job file (TypeScript or JavaScript)'],
      ['[args...]', 'arguments for the job (its process.argv.slice(2))'],
    ],
    options: [
      option('-d, --detached', 'run the job in the background and return at once'),
      option('-p, --parallelism <n>', 'default parallelism of the job').argParser(parseParallelism),
      option('-s, --fromSavepoint <path>', 'restore from a checkpoint or savepoint (directory, _metadata, file: URI, or a job id)'),
      option('-n, --allowNonRestoredState', 'skip snapshot state that maps to no operator of the job'),
      option('--claim-mode <mode>', 'who owns the restored snapshot: no_claim (never deleted) or claim (the job may delete it)')
        .choices(['no_claim', 'claim'])
        .default('no_claim'),
      option('-D <key=value>', 'a configuration setting (repeatable)').argParser(collect).default([]),
    ],
    passThroughOptions: true,
    run: async (jobFile: string, args: string[], opts: RunCliOptions) => {
      const { runCommand } = await import('./commands/run.js');
      const { D: dynamicProperties, detached, parallelism, fromSavepoint, allowNonRestoredState, claimMode } = opts;
      return runCommand(jobFile, args, { parallelism, dynamicProperties, detached, fromSavepoint, allowNonRestoredState, claimMode });
    },
  },
  {
    name: 'list',
    description: 'list jobs (running and scheduled by default)',
    options: [
      option('-r, --running', 'only running and restarting jobs'),
      option('-s, --scheduled', 'only scheduled (created, not yet running) jobs'),
      option('-a, --all', 'all jobs, terminated ones included'),
      jsonArray(),
    ],
    run: async (opts: { running?: boolean; scheduled?: boolean; all?: boolean; json?: boolean }) =>
      (await import('./commands/list.js')).listCommand(opts),
  },
  {
    name: 'cancel',
    description: 'cancel a running job',
    arguments: [JOB_ID],
    run: async (jobId: string) => (await import('./commands/cancel.js')).cancelCommand(jobId),
  },
  {
    name: 'checkpoint',
    description: 'trigger a checkpoint of a running job now',
    arguments: [JOB_ID],
    options: [option('--full', 'a full checkpoint (not incremental)')],
    run: async (jobId: string, opts: { full?: boolean }) =>
      (await import('./commands/checkpoint.js')).checkpointCommand(jobId, opts.full === true),
  },
  {
    name: 'checkpoints',
    description: "show a job's checkpoint history",
    arguments: [JOB_ID],
    options: [jsonArray()],
    run: async (jobId: string, opts: { json?: boolean }) => (await import('./commands/checkpoints.js')).checkpointsCommand(jobId, opts.json === true),
  },
  {
    name: 'savepoint',
    description: 'take a savepoint of a running job, or dispose of one (-d)',
    arguments: [
      ['[jobId]', JOB_ID[1]],
      ['[dir]', 'target directory (default: execution.checkpointing.savepoint-dir)'],
    ],
    options: [
      option('-p, --savepointPath <dir>', 'target directory'),
      option('-d, --dispose <path>', 'delete the savepoint at <path>'),
      option('--type <format>', 'savepoint format: canonical (the only one; as Flink\'s default)').argParser(parseSavepointFormat),
    ],
    run: async (jobId: string | undefined, dir: string | undefined, opts: { savepointPath?: string; dispose?: string }) => {
      const m = await import('./commands/savepoint.js');
      if (opts.dispose !== undefined) return m.disposeSavepointCommand(opts.dispose);
      // Thrown from an action, commander's own errors go unsaid: this one is ours.
      if (jobId === undefined) throw new FlinkError('cli.missingArgument', "flink savepoint needs a job id (or -d <path> to dispose of a savepoint); see 'flink savepoint --help'.");
      return m.savepointCommand(jobId, opts.savepointPath ?? dir);
    },
  },
  {
    name: 'stop',
    description: 'stop a running job with a savepoint',
    arguments: [JOB_ID],
    options: [
      option('-p, --savepointPath <dir>', 'target directory (default: execution.checkpointing.savepoint-dir)'),
      option('-d, --drain', 'end the input first, as Flink\'s MAX_WATERMARK: event-time timers fire, sinks flush (the sources keep their position)'),
      option('--type <format>', 'savepoint format: canonical (the only one; as Flink\'s default)').argParser(parseSavepointFormat),
    ],
    run: async (jobId: string, opts: { savepointPath?: string; drain?: boolean }) =>
      (await import('./commands/savepoint.js')).stopCommand(jobId, opts.savepointPath, opts.drain === true),
  },
  {
    name: 'info',
    description: "show what a checkpoint or savepoint holds (operators, uids, state, sizes), or a job's plan and configuration",
    arguments: [['<path>', 'a snapshot directory, its _metadata, a file: URI, or a job id (a unique prefix of at least 6 characters)']],
    options: [option('--json', 'print JSON')],
    run: async (path: string, opts: { json?: boolean }) => (await import('./commands/info.js')).infoCommand(path, opts.json === true),
  },
  {
    name: 'web',
    description: "serve Flink's REST API, Prometheus metrics and a dashboard for every job of the home",
    options: [
      option('--port <port>', 'the port to listen on (0: any free port)').argParser(parsePort).default(8081),
      option('--host <address>', 'the address to listen on; anything but loopback asks every request for the token').default('127.0.0.1'),
    ],
    run: async (opts: { port: number; host: string }) => (await import('./commands/web.js')).webCommand({ port: opts.port, host: opts.host }),
  },
  {
    name: 'init',
    description: 'create a project for flink-ts jobs: package.json, tsconfig.json, an example job.ts (flink-ts only)',
    arguments: [['[dir]', 'the project directory, created if missing (default: the current directory)']],
    options: [
      option(
        '--flink-ts <spec>',
        'where the project gets flink-ts: a tarball, a directory, or an npm version (default: this flink-ts, packed into the project)',
      ),
    ],
    run: async (dir: string | undefined, opts: { flinkTs?: string }) => (await import('./commands/init.js')).initCommand(dir, { flinkTs: opts.flinkTs }),
  },
];
