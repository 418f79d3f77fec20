import { readFileSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { UPPER_BOUND_MAX_PARALLELISM as MAX_PARALLELISM } from '../config/options.js';
import { oneLine } from '../util/sanitize.js';
import { guardTerminalOutput, reportError } from './output.js';

/** What a job id argument may be (util/ids.ts's isJobIdPrefix). */
const JOB_ID_HELP = 'a job id or a unique prefix of at least 6 characters';

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

/** A TCP port: 0 (any free one) to 65535. */
function parsePort(value: string): number {
  const n = wholeNumber(value);
  if (!Number.isSafeInteger(n) || n > 65535) throw new InvalidArgumentError('The port must be a whole number from 0 to 65535 (0: any free port).');
  return n;
}

/** `Version: 0.1.0`, as Flink's `flink --version` prints its own (it adds a commit id when it knows one). */
function versionLine(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return `Version: ${pkg.version}`;
}

/**
 * Commander's errors as ours: one line on stderr (`Error: ...`, no usage dump, any input it
 * echoes made safe); `--help` shows the usage.
 */
function writeCommanderError(text: string, write: (s: string) => void): void {
  // Commander puts its "(Did you mean ...?)" on a line of its own; other newlines are the user's.
  let message = text.replace(/\n$/, '').replace(/^error:\s*/i, '').replace(/\n(?=\(Did you mean)/g, ' ');
  message = message.charAt(0).toUpperCase() + message.slice(1);
  if (/^(unknown|missing|too many)/i.test(message) && !message.includes('(Did you mean')) message += "; see 'flink --help'";
  write(`Error: ${oneLine(message, 2000)}\n`);
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Builds the `flink` command line. Command modules load lazily so `list` never loads the engine. */
export function buildProgram(setExitCode: (code: number) => void): Command {
  const program = new Command('flink')
    .description('Run and manage flink-ts jobs: stateful stream processing for TypeScript.')
    .version(versionLine(), '-v, --version', 'print the version')
    .option('--verbose', 'show stack traces of errors')
    .enablePositionalOptions()
    .configureOutput({ outputError: writeCommanderError });

  program
    .command('run')
    .description('run a job file')
    .argument('<jobFile>', 'the job file (TypeScript or JavaScript)')
    .argument('[args...]', "arguments for the job (its process.argv.slice(2))")
    .option('-d, --detached', 'run the job in the background and return at once')
    .option('-p, --parallelism <n>', 'default parallelism of the job', parseParallelism)
    .option('-s, --fromSavepoint <path>', 'restore from a checkpoint or savepoint (directory, _metadata, file: URI, or a job id)')
    .option('-n, --allowNonRestoredState', 'skip snapshot state that maps to no operator of the job')
    .addOption(
      new Option('--claim-mode <mode>', 'who owns the restored snapshot: no_claim (never deleted) or claim (the job may delete it)')
        .choices(['no_claim', 'claim'])
        .default('no_claim'),
    )
    .option('-D <key=value>', 'a configuration setting (repeatable)', collect, [])
    .passThroughOptions()
    .action(
      async (
        jobFile: string,
        args: string[],
        opts: {
          detached?: boolean;
          parallelism?: number;
          D: string[];
          fromSavepoint?: string;
          allowNonRestoredState?: boolean;
          claimMode: 'claim' | 'no_claim';
        },
      ) => {
        const { runCommand } = await import('./commands/run.js');
        setExitCode(
          await runCommand(jobFile, args, {
            parallelism: opts.parallelism,
            dynamicProperties: opts.D,
            detached: opts.detached,
            fromSavepoint: opts.fromSavepoint,
            allowNonRestoredState: opts.allowNonRestoredState,
            claimMode: opts.claimMode,
          }),
        );
      },
    );

  program
    .command('list')
    .description('list jobs (running and scheduled by default)')
    .option('-r, --running', 'only running and restarting jobs')
    .option('-s, --scheduled', 'only scheduled (created, not yet running) jobs')
    .option('-a, --all', 'all jobs, terminated ones included')
    .option('--json', 'print a JSON array')
    .action(async (opts: { running?: boolean; scheduled?: boolean; all?: boolean; json?: boolean }) => {
      const { listCommand } = await import('./commands/list.js');
      setExitCode(await listCommand(opts));
    });

  program
    .command('cancel')
    .description('cancel a running job')
    .argument('<jobId>', JOB_ID_HELP)
    .action(async (jobId: string) => {
      const { cancelCommand } = await import('./commands/cancel.js');
      setExitCode(await cancelCommand(jobId));
    });

  program
    .command('checkpoint')
    .description('trigger a checkpoint of a running job now')
    .argument('<jobId>', JOB_ID_HELP)
    .option('--full', 'a full checkpoint (not incremental)')
    .action(async (jobId: string, opts: { full?: boolean }) => {
      const { checkpointCommand } = await import('./commands/checkpoint.js');
      setExitCode(await checkpointCommand(jobId, opts.full === true));
    });

  program
    .command('checkpoints')
    .description("show a job's checkpoint history")
    .argument('<jobId>', JOB_ID_HELP)
    .option('--json', 'print a JSON array')
    .action(async (jobId: string, opts: { json?: boolean }) => {
      const { checkpointsCommand } = await import('./commands/checkpoints.js');
      setExitCode(await checkpointsCommand(jobId, opts.json === true));
    });

  program
    .command('savepoint')
    .description('take a savepoint of a running job, or dispose of one (-d)')
    .argument('[jobId]', JOB_ID_HELP)
    .argument('[dir]', 'target directory (default: execution.checkpointing.savepoint-dir)')
    .option('-p, --savepointPath <dir>', 'target directory')
    .option('-d, --dispose <path>', 'delete the savepoint at <path>')
    .action(async (jobId: string | undefined, dir: string | undefined, opts: { savepointPath?: string; dispose?: string }) => {
      const m = await import('./commands/savepoint.js');
      if (opts.dispose !== undefined) setExitCode(await m.disposeSavepointCommand(opts.dispose));
      else if (jobId === undefined) throw new InvalidArgumentError("flink savepoint needs a job id (or -d <path> to dispose of a savepoint).");
      else setExitCode(await m.savepointCommand(jobId, opts.savepointPath ?? dir));
    });

  program
    .command('stop')
    .description('stop a running job with a savepoint')
    .argument('<jobId>', JOB_ID_HELP)
    .option('-p, --savepointPath <dir>', 'target directory (default: execution.checkpointing.savepoint-dir)')
    .option('--drain', 'let the job finish its input first (due timers fire, sinks flush)')
    .action(async (jobId: string, opts: { savepointPath?: string; drain?: boolean }) => {
      const { stopCommand } = await import('./commands/savepoint.js');
      setExitCode(await stopCommand(jobId, opts.savepointPath, opts.drain === true));
    });

  program
    .command('info')
    .description('show what a checkpoint or savepoint holds (operators, uids, state, sizes)')
    .argument('<path>', 'a snapshot directory, its _metadata, or a file: URI')
    .option('--json', 'print JSON')
    .action(async (path: string, opts: { json?: boolean }) => {
      const { infoCommand } = await import('./commands/info.js');
      setExitCode(await infoCommand(path, opts.json === true));
    });

  program
    .command('web')
    .description("serve Flink's REST API, Prometheus metrics and a dashboard for every job of the home")
    .addOption(new Option('--port <port>', 'the port to listen on (0: any free port)').argParser(parsePort).default(8081))
    .option('--host <address>', 'the address to listen on; anything but loopback asks every request for the token', '127.0.0.1')
    .action(async (opts: { port: number; host: string }) => {
      const { webCommand } = await import('./commands/web.js');
      setExitCode(await webCommand({ port: opts.port, host: opts.host }));
    });

  program
    .command('init')
    .description('create a project for flink-ts jobs: package.json, tsconfig.json, an example job.ts (flink-ts only)')
    .argument('[dir]', 'the project directory, created if missing (default: the current directory)')
    .option('--flink-ts <spec>', 'where the project gets flink-ts: a tarball, a directory, or an npm version (default: this flink-ts, packed into the project)')
    .action(async (dir: string | undefined, opts: { flinkTs?: string }) => {
      const { initCommand } = await import('./commands/init.js');
      setExitCode(await initCommand(dir, { flinkTs: opts.flinkTs }));
    });

  return program;
}

/** Runs the CLI; resolves to the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  guardTerminalOutput();
  let exitCode = 0;
  const program = buildProgram((code) => {
    exitCode = code;
  });
  program.exitOverride();
  const verbose = argv.includes('--verbose');
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 1;
    reportError(err, verbose);
    return 1;
  }
  return exitCode;
}
