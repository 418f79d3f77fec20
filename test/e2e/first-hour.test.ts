/**
 * A user's first hour, end to end: `flink init` makes a project outside the repository, which
 * installs flink-ts from the tarball init packed (as from the registry: nothing of flink-ts is
 * compiled, no TypeScript needed), type-checks its job with tsc against flink-ts's declarations,
 * and runs it with `npx flink run` and `npx tsx`. Then the messages a new user meets: warnings of
 * `run -d` on the terminal, `flink info <jobId>` (plan and configuration), `flink info` of a
 * damaged snapshot, `-s` given a job's checkpoint directory.
 *
 * npm runs with `--prefer-offline` on the machine's npm cache (the repository's own install fills
 * it with the same packages). better-sqlite3's binary is handed to its installer from the
 * repository's build (prebuild-install's local prebuilds), so the test does not spend minutes
 * compiling SQLite; what it checks is flink-ts's packaging, not better-sqlite3's.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { FIXTURES, FLINK_BIN, REPO, SUBMITTED_LINE, freshHome, killLeftovers, linesOf, removeTempDirs, runFlink, tempDir, waitForStatus } from './helpers.js';

after(async () => {
  await killLeftovers();
  removeTempDirs();
});

interface CommandResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command (npm, npx, tar) to its end, outside the test runner's npm context. */
function run(command: string, args: readonly string[], opts: { cwd: string; env?: Record<string, string>; timeoutMs?: number }): Promise<CommandResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...opts.env };
  // `npm test`'s own npm settings (its package, its scripts) must not reach the project's npm.
  for (const k of Object.keys(env)) if (k.startsWith('npm_') || k === 'NODE_TEST_CONTEXT' || k === 'INIT_CWD') delete env[k];
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], { cwd: opts.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} timed out:\n${stdout}\n${stderr}`));
    }, opts.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function must(r: CommandResult, what: string): CommandResult {
  assert.equal(r.code, 0, `${what} failed (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  return r;
}

/**
 * Hands better-sqlite3's installer (prebuild-install) the repository's binary, as if downloaded:
 * `<name>-v<version>-node-v<abi>-<platform>-<arch>.tar.gz` in its `local-prebuilds` directory,
 * set in a `.prebuild-installrc` above the project (prebuild-install reads it from every parent
 * of the package; npm passes no such setting through the environment). Without it, installing
 * better-sqlite3 here compiles SQLite.
 */
async function handOverBetterSqlite(above: string): Promise<void> {
  const pkgDir = join(REPO, 'node_modules', 'better-sqlite3');
  const version = (JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { version: string }).version;
  if (!existsSync(join(pkgDir, 'build', 'Release', 'better_sqlite3.node'))) return;
  const dir = tempDir();
  const name = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
  must(await run('tar', ['-czf', join(dir, name), 'build/Release/better_sqlite3.node'], { cwd: pkgDir }), 'tar');
  writeFileSync(join(above, '.prebuild-installrc'), `local-prebuilds=${dir}\n`);
}

const EXAMPLE_OUTPUT = ['to,1', 'be,1', 'or,1', 'not,1', 'to,2', 'be,2', 'that,1', 'is,1', 'the,1', 'question,1'];

describe("a user's project", () => {
  test('flink init, npm install of the packed tarball, tsc sees the types, npx flink run and npx tsx run the job', { timeout: 600_000 }, async () => {
    const root = tempDir();
    const project = join(root, 'my-job');
    const home = freshHome();

    const init = await runFlink(['init', project], { cwd: root, home, timeoutMs: 60_000 });
    assert.equal(init.code, 0, init.stderr);
    assert.equal(init.stderr, '');
    assert.match(init.stdout, /^Created a flink-ts project in .*my-job:$/m);
    assert.deepEqual(linesOf(init.stdout).slice(-4), ['Next:', '  cd my-job', '  npm install', '  npx flink run job.ts']);
    const version = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
    const tarball = `flink-ts-${version}.tgz`;
    assert.deepEqual(readdirSync(project).sort(), ['.gitignore', 'count-words.test.ts', 'count-words.ts', tarball, 'job.ts', 'package.json', 'tsconfig.json']);
    const pkg = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')) as {
      type: string;
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
      scripts: Record<string, string>;
    };
    assert.equal(pkg.type, 'module');
    assert.deepEqual(pkg.dependencies, { 'flink-ts': `file:${tarball}` });
    assert.deepEqual(Object.keys(pkg.devDependencies).sort(), ['@types/node', 'tsx', 'typescript']);
    assert.equal(pkg.scripts['start'], 'flink run job.ts');

    // A second init there overwrites nothing.
    const again = await runFlink(['init', project], { cwd: root, home });
    assert.equal(again.code, 1);
    assert.match(again.stderr, /^Error: .*my-job already has package\.json, tsconfig\.json, job\.ts, count-words\.ts, count-words\.test\.ts, \.gitignore; flink init makes a new project and overwrites nothing\./);
    assert.equal(readFileSync(join(project, 'job.ts'), 'utf8').includes('wordCounts(env.fromElements('), true, 'job.ts unchanged');

    // The tarball: compiled code, declarations and source maps, no sources, no scripts that would build at install.
    const listing = linesOf(must(await run('tar', ['-tzf', join(project, tarball)], { cwd: root }), 'tar -t').stdout);
    for (const f of ['package/package.json', 'package/README.md', 'package/bin/flink', 'package/dist/index.js', 'package/dist/index.d.ts', 'package/dist/cli/main.js']) {
      assert.ok(listing.includes(f), `${f} is in the tarball`);
    }
    assert.deepEqual(listing.filter((f) => /^package\/(src|test|jobs|bench)\/|\.ts$/.test(f) && !f.endsWith('.d.ts')), []);
    // Source maps for --verbose stacks: the sources' names and lines, not their text.
    const map = JSON.parse(must(await run('tar', ['-xzOf', join(project, tarball), 'package/dist/index.js.map'], { cwd: root }), 'tar -x map').stdout) as { sources: string[]; sourcesContent?: unknown };
    assert.ok(map.sources.some((s) => s.endsWith('src/index.ts')), map.sources.slice(0, 5).join(', '));
    assert.equal(map.sourcesContent, undefined);
    const packed = JSON.parse(must(await run('tar', ['-xzOf', join(project, tarball), 'package/package.json'], { cwd: root }), 'tar -x').stdout) as {
      scripts: Record<string, string>;
      exports: Record<string, { types: string; import: string }>;
    };
    for (const s of ['preinstall', 'install', 'postinstall', 'prepare']) assert.equal(packed.scripts[s], undefined, `no ${s} script`);
    assert.deepEqual(packed.exports['.'], { types: './dist/index.d.ts', import: './dist/index.js' });

    await handOverBetterSqlite(root);
    const install = must(await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: project, timeoutMs: 480_000 }), 'npm install');
    assert.doesNotMatch(install.stdout + install.stderr, /flink-ts@.*\(prepare|install scripts not yet covered/, 'flink-ts runs nothing at install');
    assert.ok(existsSync(join(project, 'node_modules', 'flink-ts', 'dist', 'index.d.ts')));
    assert.ok(!existsSync(join(project, 'node_modules', 'flink-ts', 'src')));

    // tsc sees flink-ts's types: the example job checks, and a type error in a job is found.
    must(await run('npx', ['tsc'], { cwd: project }), 'tsc');
    writeFileSync(
      join(project, 'wrong.ts'),
      "import { StreamExecutionEnvironment } from 'flink-ts';\nStreamExecutionEnvironment.getExecutionEnvironment().fromElements(1, 2).map((n) => n.toUpperCase());\n",
    );
    const wrong = await run('npx', ['tsc'], { cwd: project });
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stdout, /wrong\.ts\(2,\d+\): error TS2339: Property 'toUpperCase' does not exist on type 'number'/);
    rmSync(join(project, 'wrong.ts'));

    // npx flink run: the project's own flink; no uid warning (its only uid-less stateful operator is a collection source).
    const flinkRun = must(await run('npx', ['flink', 'run', 'job.ts'], { cwd: project, env: { FLINK_TS_HOME: home } }), 'npx flink run');
    const lines = linesOf(flinkRun.stdout);
    assert.match(lines[0]!, SUBMITTED_LINE);
    assert.deepEqual(lines.slice(1, -2), EXAMPLE_OUTPUT);
    assert.match(lines.at(-2)!, /^Job with JobID [0-9a-f]{32} has finished\.$/);
    assert.equal(flinkRun.stderr, '');

    // npx tsx: the same job run locally, without the CLI (an ES module: top-level await works).
    const local = must(await run('npx', ['tsx', 'job.ts'], { cwd: project, env: { FLINK_TS_HOME: home } }), 'npx tsx');
    assert.deepEqual(linesOf(local.stdout), EXAMPLE_OUTPUT);
    assert.equal(local.stderr, '');

    // npm test: the example's test runs the job's logic in its process and reads its results back.
    const tested = must(await run('npm', ['test'], { cwd: project, env: { FLINK_TS_HOME: home } }), 'npm test');
    assert.match(tested.stdout, /# pass 1\n/);
    assert.match(tested.stdout, /# fail 0\n/);
  });

  test('flink init --flink-ts <tarball> depends on that file; a missing one is refused and nothing is created', async () => {
    const root = tempDir();
    const tgz = join(root, 'vendor', 'flink-ts-9.9.9.tgz');
    mkdirSync(join(root, 'vendor'));
    writeFileSync(tgz, '');
    const r = await runFlink(['init', join(root, 'job-a'), '--flink-ts', tgz], { cwd: root });
    assert.equal(r.code, 0, r.stderr);
    const pkg = JSON.parse(readFileSync(join(root, 'job-a', 'package.json'), 'utf8')) as { name: string; dependencies: Record<string, string> };
    assert.deepEqual(pkg.dependencies, { 'flink-ts': 'file:../vendor/flink-ts-9.9.9.tgz' });
    assert.equal(pkg.name, 'job-a');

    const missing = await runFlink(['init', join(root, 'job-b'), '--flink-ts', join(root, 'nope.tgz')], { cwd: root });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^Error: --flink-ts .*nope\.tgz: no such file or directory\.\n$/);
    assert.ok(!existsSync(join(root, 'job-b')), 'no project directory left behind');
  });

  test('flink init where no directory can be made (under /proc) answers at once, in one line', async () => {
    const r = await runFlink(['init', '/proc/flink-ts-project/x'], { timeoutMs: 15_000 });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^Error: Cannot create a project in \/proc\/flink-ts-project\/x: .*Give a new or empty directory you can write\.\n$/);
  });
});

describe('what a new user is told', () => {
  test('run -d prints the warnings of the submission (a source without uid) on the terminal, not only in the log', async () => {
    const home = freshHome();
    const r = await runFlink(['run', '-d', join(FIXTURES, 'unbounded.ts')], { home, timeoutMs: 40_000 });
    assert.equal(r.code, 0, r.stderr);
    const jobId = SUBMITTED_LINE.exec(linesOf(r.stdout)[0]!)![1]!;
    assert.match(r.stderr, /^Warning: A stateful operator has no uid \("Source: ticks"\); set \.uid\('\.\.\.'\) so state survives changes to the job\.\n$/);
    assert.equal((await runFlink(['cancel', jobId], { home, timeoutMs: 20_000 })).code, 0);
    await waitForStatus(home, jobId, ['CANCELED']);

    // A job whose only uid-less stateful operator is a collection source: no warning.
    const quiet = await runFlink(['run', join(FIXTURES, 'args-map-print.ts')], { home, timeoutMs: 20_000 });
    assert.equal(quiet.code, 0, quiet.stderr);
    assert.equal(quiet.stderr, '');
  });

  test("flink info <jobId>: the job's plan (tasks, chains, parallelism, uids) and its effective configuration", async () => {
    const home = freshHome();
    const r = await runFlink(['run', '-p', '2', '-D', 'execution.checkpointing.interval=7 s', join(FIXTURES, 'bounded-reduce.ts')], { home, timeoutMs: 30_000 });
    assert.equal(r.code, 0, r.stderr);
    const jobId = SUBMITTED_LINE.exec(linesOf(r.stdout)[0]!)![1]!;
    const info = await runFlink(['info', jobId.slice(0, 8)], { home });
    assert.equal(info.code, 0, info.stderr);
    const lines = linesOf(info.stdout);
    assert.equal(lines[0], `Job ${jobId}: bounded-reduce-e2e (FINISHED)`);
    assert.equal(lines[1], `File: ${join(FIXTURES, 'bounded-reduce.ts')}`);
    const plan = lines.slice(lines.indexOf('Plan: 2 tasks (chains of operators)'), lines.findIndex((l) => l.startsWith('Configuration')) - 1);
    assert.deepEqual(
      plan.map((l) => l.replace(/uid [0-9a-f]{32} \(generated: none set\)/, 'uid <generated>').replace(/ +/g, ' ')),
      [
        'Plan: 2 tasks (chains of operators)',
        // -p 2: the sequence source and the keyed reduce after a HASH exchange run at parallelism 2.
        ' 1. Source: Sequence Source: parallelism 2 (max 128)',
        " Source: Sequence Source uid 'sequence'",
        ' 2. Keyed Reduce -> Map -> Sink: Print to Std. Out: parallelism 2 (max 128), input HASH from 1',
        " Keyed Reduce uid 'sum-per-key'",
        ' Map uid <generated>',
        ' Sink: Print to Std. Out uid <generated>',
      ],
    );
    assert.ok(lines.includes('  execution.checkpointing.interval: 7000'), info.stdout);
    assert.ok(lines.includes('  parallelism.default: 2'), info.stdout);

    const json = JSON.parse((await runFlink(['info', jobId, '--json'], { home })).stdout) as {
      jobId: string;
      plan: { nodes: Array<{ parallelism: number; operators: Array<{ uid: string }> }> };
      configuration: Record<string, unknown>;
    };
    assert.equal(json.jobId, jobId);
    assert.deepEqual(json.plan.nodes.flatMap((n) => n.operators.map((o) => o.uid)).slice(0, 2), ['sequence', 'sum-per-key']);
    assert.equal(json.configuration['execution.checkpointing.interval'], 7000);
  });

  test('flink info of a damaged snapshot shows what can be read and flags the bad file, exit 1', async () => {
    const sp = join(tempDir(), 'sp');
    cpSync(join(REPO, 'test', 'fixtures', 'snapshots', 'format-2', 'savepoint'), sp, { recursive: true });
    const bad = readdirSync(sp).find((f) => f.endsWith('-1.state'))!;
    const bytes = readFileSync(join(sp, bad));
    bytes[50] = bytes[50]! ^ 0xff;
    writeFileSync(join(sp, bad), bytes);

    const r = await runFlink(['info', sp]);
    assert.equal(r.code, 1);
    const out = linesOf(r.stdout);
    assert.match(out[0]!, /^SAVEPOINT 4 of job 5a4f0e1d2c3b4a5968778695a4b3c2d1 \(snapshot-fixture\)/);
    assert.ok(out.includes(`  DAMAGED subtask 1: state file ${bad} of operator 'every-state' is damaged (checksum mismatch); its state is not shown`), r.stdout);
    assert.ok(out.some((l) => /^  keyed \w+ state '.+': \d+ keys$/.test(l)), 'the readable subtask is summarised');
    assert.ok(out.includes("Operator uid 'gated' (Source: gated): parallelism 1, max parallelism 128, 108 B"), 'other operators are shown');
    assert.match(
      r.stderr,
      /^Error: The snapshot at .*\/sp is damaged: the state of 1 of 4 subtasks cannot be read \(marked DAMAGED above\), so it cannot be restored\. Restore from an older checkpoint or savepoint/,
    );
    const json = await runFlink(['info', sp, '--json']);
    assert.equal(json.code, 1);
    const parsed = JSON.parse(json.stdout) as { restorable: boolean; operators: Array<{ uid: string; damaged: string[] }> };
    assert.equal(parsed.restorable, false);
    assert.equal(parsed.operators.find((o) => o.uid === 'every-state')!.damaged.length, 1);
  });

  test("-s given a job's checkpoint directory names the chk-* it holds and how to give one; no job starts", async () => {
    const home = freshHome();
    const jobDir = join(tempDir(), '5a4f0e1d2c3b4a5968778695a4b3c2d1');
    cpSync(join(REPO, 'test', 'fixtures', 'snapshots', 'format-2', 'savepoint'), join(jobDir, 'chk-8'), { recursive: true });
    const r = await runFlink(['run', '-s', jobDir, join(FIXTURES, 'args-map-print.ts')], { home });
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      `Error: Cannot restore from ${jobDir}: it is a job's checkpoint directory, not a checkpoint: it holds chk-8. ` +
        `Give that one: ${join(jobDir, 'chk-8')}, or the job id 5a4f0e1d2c3b4a5968778695a4b3c2d1 for its newest checkpoint.\n`,
    );
    assert.equal(r.stdout, '');
  });
});
