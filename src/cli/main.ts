import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { COMMANDS } from './command-table.js';
import { mapEngineFrames } from '../util/engine-frames.js';
import { packageFile } from '../util/package-root.js';
import { echo, oneLine } from '../util/sanitize.js';
import { guardTerminalOutput, outputWasLost, reportError } from './output.js';

/** `Version: 0.1.0`, as Flink's `flink --version` prints its own (it adds a commit id when it knows one). */
function versionLine(): string {
  const pkg = JSON.parse(readFileSync(packageFile('package.json'), 'utf8')) as { version: string };
  return `Version: ${pkg.version}`;
}

/** Where commander's messages quote the user's input: before it, it, after it. */
const COMMANDER_QUOTES = [/(argument ')([\s\S]*?)(' is invalid)/, /^(unknown (?:command|option) ')([\s\S]*?)(')/i];

/**
 * Commander's errors as ours: one line on stderr (`Error: ...`, no usage dump, any input it
 * echoes made safe) that ends as our own errors do, with a full stop or a question; `--help`
 * shows the usage — the command's own (`flink run --help`) for an error in a command's options
 * or arguments, which `flink --help` does not list.
 */
function writeCommanderError(text: string, write: (s: string) => void, command?: string): void {
  // Commander puts its "(Did you mean ...?)" on a line of its own; other newlines are the user's.
  let message = text.replace(/\n$/, '').replace(/^error:\s*/i, '');
  let suggestion: string | undefined;
  message = message.replace(/\n\(Did you mean (.*)\?\)$/, (_m, similar: string) => {
    suggestion = similar;
    return '';
  });
  // What commander quotes of the user's (an argument, an unknown command or option): cut like any echoed input.
  for (const quoted of COMMANDER_QUOTES) message = message.replace(quoted, (_m, a: string, arg: string, b: string) => `${a}${echo(arg)}${b}`);
  message = message.charAt(0).toUpperCase() + message.slice(1).replace(/\.$/, '');
  // As a bad configuration key reads: `Unknown configuration key 'x' in -D; did you mean 'y'?`.
  if (suggestion !== undefined) message = `${message}; did you mean ${suggestion}?`;
  else if (/^(unknown|missing|too many)|argument missing$/i.test(message)) message = `${message}; see 'flink ${command === undefined ? '' : `${command} `}--help'`;
  if (!/[.?]$/.test(message)) message = `${message}.`;
  write(`Error: ${oneLine(message, 2000)}\n`);
}

/** Builds the `flink` command line. Command modules load lazily so `list` never loads the engine. */
export function buildProgram(setExitCode: (code: number) => void): Command {
  const program = new Command('flink')
    .description('Run and manage flink-ts jobs: stateful stream processing for TypeScript.')
    .version(versionLine(), '-v, --version', 'print the version')
    .option('--verbose', 'show stack traces of errors')
    .enablePositionalOptions()
    .configureOutput({ outputError: writeCommanderError });

  for (const spec of COMMANDS) {
    const command = program
      .command(spec.name)
      .description(spec.description)
      .configureOutput({ outputError: (text, write) => writeCommanderError(text, write, spec.name) });
    for (const [usage, description] of spec.arguments ?? []) command.argument(usage, description);
    for (const option of spec.options ?? []) command.addOption(option);
    if (spec.passThroughOptions) command.passThroughOptions();
    const run = spec.run as (...args: unknown[]) => Promise<number>;
    command.action(async (...args: unknown[]) => setExitCode(await run(...args)));
  }
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
  // bin/flink turned source maps on before loading this module; called here too (and by tests that call main) for worker threads.
  if (verbose) mapEngineFrames();
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) exitCode = err.exitCode === 0 ? 0 : 1;
    else {
      reportError(err, verbose);
      exitCode = 1;
    }
  }
  // Output that never arrived (said on stderr when it failed) is a failure, whatever the command did.
  return (await outputWasLost()) ? 1 : exitCode;
}
