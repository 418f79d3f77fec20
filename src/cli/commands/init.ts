import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { FlinkError } from '../../util/errors.js';
import { packageRoot } from '../../util/package-root.js';
import { echo } from '../../util/sanitize.js';
import { say } from '../output.js';
import { EXAMPLE_JOB, EXAMPLE_LOGIC, EXAMPLE_TEST, type FlinkTsManifest, PROJECT_GITIGNORE, PROJECT_TSCONFIG, projectNameOf, projectPackageJson } from '../project-template.js';
import { makeDirectories } from '../../util/make-directories.js';

/** This flink-ts package's directory, with a trailing separator. */
const packageDir = (): string => `${packageRoot()}${sep}`;

/** The files `flink init` writes, in the order it reports them. */
const FILES = ['package.json', 'tsconfig.json', 'job.ts', 'count-words.ts', 'count-words.test.ts', '.gitignore'] as const;

/** Options of `flink init`. */
export interface InitOptions {
  /** Where the project gets flink-ts: a tarball or directory path, or an npm version spec. */
  readonly flinkTs?: string;
}

/**
 * `flink init [dir]` (flink-ts's own; Flink has no such command): a project that depends on
 * flink-ts, type-checks its job with tsc and runs it with `npx flink run job.ts`. Until flink-ts
 * is on the npm registry, the dependency is a tarball of the flink-ts that runs this command,
 * packed into the project (`npm pack`), unless `--flink-ts` names another.
 */
export async function initCommand(dirArg: string | undefined, options: InitOptions): Promise<number> {
  const dir = resolve(dirArg ?? '.');
  if (existsSync(dir) && !statSync(dir).isDirectory()) {
    throw new FlinkError('init.notDirectory', `Cannot create a project in ${echo(dir)}: it is a file. Give a new or empty directory.`);
  }
  const taken = FILES.filter((f) => existsSync(join(dir, f)));
  if (taken.length > 0) {
    throw new FlinkError(
      'init.exists',
      `${echo(dir)} already has ${taken.join(', ')}; flink init makes a new project and overwrites nothing. Give a new or empty directory.`,
    );
  }
  const manifest = JSON.parse(readFileSync(join(packageDir(), 'package.json'), 'utf8')) as FlinkTsManifest;
  const created = !existsSync(dir);
  try {
    // Not mkdirSync's recursive mode: under /proc it never returns.
    await makeDirectories(dir, 0o777);
  } catch (err) {
    throw new FlinkError('init.cannotCreate', `Cannot create a project in ${echo(dir)}: ${(err as Error).message}. Give a new or empty directory you can write.`);
  }
  let dependency: { spec: string; origin: string };
  try {
    dependency = options.flinkTs === undefined ? packInto(dir) : dependencySpec(options.flinkTs, dir);
  } catch (err) {
    if (created) rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const { spec, origin } = dependency;
  const contents: Record<(typeof FILES)[number], string> = {
    'package.json': projectPackageJson(projectNameOf(basename(dir)), spec, manifest),
    'tsconfig.json': PROJECT_TSCONFIG,
    'job.ts': EXAMPLE_JOB,
    'count-words.ts': EXAMPLE_LOGIC,
    'count-words.test.ts': EXAMPLE_TEST,
    '.gitignore': PROJECT_GITIGNORE,
  };
  // 'wx': never replace a file that appeared since the check.
  for (const f of FILES) writeFileSync(join(dir, f), contents[f], { flag: 'wx' });
  const rel = relative(process.cwd(), dir);
  const shown = rel === '' ? '.' : rel.startsWith('..') ? dir : rel;
  say(`Created a flink-ts project in ${dir}:`);
  say(`  package.json         flink-ts ${spec} (${origin}); scripts start, local, typecheck, test`);
  say('  tsconfig.json        strict, ES modules');
  say('  job.ts               an example job');
  say('  count-words.ts       its logic');
  say('  count-words.test.ts  a test of it (npm test)');
  say('  .gitignore');
  say('Next:');
  if (shown !== '.') say(`  cd ${shown.includes(' ') ? JSON.stringify(shown) : shown}`);
  say('  npm install');
  say('  npx flink run job.ts');
  return 0;
}

/** `--flink-ts`: a path (tarball or directory) becomes a `file:` spec relative to the project; anything else is an npm spec. */
function dependencySpec(given: string, projectDir: string): { spec: string; origin: string } {
  const path = resolve(given);
  if (!existsSync(path)) {
    if (/[/\\]|\.tgz$/.test(given)) throw new FlinkError('init.noFlinkTs', `--flink-ts ${echo(given)}: no such file or directory.`);
    return { spec: given, origin: 'from the npm registry' };
  }
  const rel = relative(projectDir, path);
  return { spec: `file:${isAbsolute(rel) ? rel : rel.split('\\').join('/')}`, origin: `from ${path}` };
}

/** Packs this flink-ts (as built: no scripts run) into the project directory and depends on the tarball. */
function packInto(dir: string): { spec: string; origin: string } {
  const r = spawnSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir, packageDir()], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const why = r.error?.message ?? (r.status !== 0 ? (r.stderr.trim().split('\n').at(-1) ?? `exit ${r.status}`) : undefined);
  let file: string | undefined;
  try {
    file = why === undefined ? (JSON.parse(r.stdout) as Array<{ filename?: string }>)[0]?.filename : undefined;
  } catch {
    file = undefined;
  }
  if (file === undefined || !existsSync(join(dir, file))) {
    throw new FlinkError(
      'init.packFailed',
      `Cannot pack flink-ts from ${packageDir()} into the project (npm pack: ${why ?? 'no tarball written'}). ` +
        'Pack it yourself (npm pack in the flink-ts directory) and pass the tarball with --flink-ts <file.tgz>.',
    );
  }
  return { spec: `file:${file}`, origin: `packed from ${packageRoot()}` };
}
