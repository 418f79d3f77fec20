/**
 * End-to-end tests of how `flink run` loads a TypeScript job file (flink-ts's own module hooks
 * and esbuild, no tsx): imports written as TypeScript writes them, in the main thread and in
 * worker threads; the nearest tsconfig.json's emit options; the compile cache on disk (a
 * changed file is never served its old compile, a corrupt entry is compiled again); compile
 * errors as one line; stack frames on the .ts lines.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { linesOf, parseAttachedRun, removeTempDirs, runFlink, tempDir } from './helpers.js';

after(removeTempDirs);

/** A fresh directory (no package.json or tsconfig.json anywhere above it) holding `files`. */
function project(files: Record<string, string>): string {
  const dir = tempDir();
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

const lines = (...l: string[]) => `${l.join('\n')}\n`;

/** The per-user compile cache of a child whose TMPDIR is `tmp`. */
function cacheDirIn(tmp: string): string {
  return join(tmp, `flink-ts-${process.getuid!()}`);
}

function cacheEntries(dir: string): string[] {
  return readdirSync(dir).filter((n) => n.endsWith('.mjs')).map((n) => join(dir, n));
}

describe('flink run: a job file importing its own TypeScript modules', () => {
  test("'./helper.js', extensionless, a directory's index.ts, .mjs → .mts, JSON and .cts: in the main thread and on two workers", async () => {
    const dir = project({
      'job.ts': lines(
        "import { StreamExecutionEnvironment } from 'flink-ts';",
        "import { label } from './helper.js';",
        "import { twice } from './math';",
        "import { prefix } from './lib';",
        "import { suffix } from './esm.mjs';",
        "import settings from './settings.json';",
        "import { legacy } from './legacy.cjs';",
        "console.log(`main ${label(1)} ${twice(2)} ${prefix} ${suffix} ${settings.name} ${legacy}`);",
        'const env = StreamExecutionEnvironment.getExecutionEnvironment();',
        // The map runs on the workers: each imported the helpers through the same hooks.
        "env.fromSequence(1, 4).map((n: number) => label(twice(n))).print();",
        "await env.execute('helpers');",
      ),
      'helper.ts': lines('export function label(n: number): string {', '  return `n=${n}`;', '}'),
      'math.ts': "export const twice = (n: number): number => n * 2;\n",
      'lib/index.ts': "export const prefix: string = 'lib-index';\n",
      'esm.mts': "export const suffix: string = 'from-mts';\n",
      'settings.json': '{ "name": "from-json" }\n',
      'legacy.cts': "const os = require('node:os');\nexport const legacy: string = typeof os.tmpdir === 'function' ? 'from-cts' : 'no';\n",
    });
    const r = await runFlink(['run', '-p', '2', '-D', 'taskmanager.numberOfTaskSlots=2', join(dir, 'job.ts')], { cwd: dir, timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.stderr);
    const out = linesOf(r.stdout);
    assert.equal(out[0], 'main n=1 4 lib-index from-mts from-json from-cts');
    const { body } = parseAttachedRun(out.slice(1).join('\n'));
    assert.deepEqual(body.map((l) => l.replace(/^\d> /, '')).sort(), ['n=2', 'n=4', 'n=6', 'n=8']);
    assert.deepEqual(new Set(body.map((l) => l.slice(0, 2))), new Set(['1>', '2>']), r.stdout);
  });

  test('a module that is not there: one line, job.importFailed', async () => {
    const dir = project({ 'job.ts': "import { x } from './nowhere.js';\nconsole.log(x);\n" });
    const r = await runFlink(['run', join(dir, 'job.ts')], { cwd: dir });
    assert.equal(r.code, 1);
    assert.deepEqual(linesOf(r.stderr).length, 1, r.stderr);
    assert.match(r.stderr, /imports a module that cannot be found/);
    assert.ok(r.stderr.includes('nowhere'), r.stderr);
  });
});

describe("flink run: the nearest tsconfig.json's emit options", () => {
  // With [[Define]] semantics a field is an own property that shadows the base class's
  // accessor; with [[Set]] (useDefineForClassFields false) the initializer calls the setter.
  const job = lines(
    "import { StreamExecutionEnvironment } from 'flink-ts';",
    'class Base {',
    '  seen: number[] = [];',
    '  set value(v: number) { this.seen.push(v); }',
    '}',
    'class Child extends Base { value = 7; }',
    'const c = new Child();',
    'console.log(`setter saw ${JSON.stringify(c.seen)}, own field ${Object.hasOwn(c, "value")}`);',
    'const env = StreamExecutionEnvironment.getExecutionEnvironment();',
    "env.fromElements('done').print();",
    "await env.execute('fields');",
  );

  for (const [tsconfig, expected] of [
    ['{ "compilerOptions": { "useDefineForClassFields": false } }', 'setter saw [7], own field false'],
    ['{ "compilerOptions": { "useDefineForClassFields": true } }', 'setter saw [], own field true'],
    // The target decides when the option is unset (ES2020: [[Set]]), through an extends.
    ['{ // comments and trailing commas, as tsc allows\n "extends": "./base", }', 'setter saw [7], own field false'],
    [null, 'setter saw [], own field true'],
  ] as const) {
    test(`${tsconfig ?? 'no tsconfig.json'}: ${expected}`, async () => {
      const dir = project({
        'src/job.ts': job,
        ...(tsconfig === null ? {} : { 'tsconfig.json': tsconfig, 'base.json': '{ "compilerOptions": { "target": "ES2020" } }' }),
      });
      // Run from elsewhere: the tsconfig.json is the job file's, not the working directory's.
      const r = await runFlink(['run', join(dir, 'src', 'job.ts')]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(linesOf(r.stdout)[0], expected);
    });
  }

  test('a tsconfig.json whose extends cannot be found: one line naming it', async () => {
    const dir = project({ 'tsconfig.json': '{ "extends": "./missing.json" }', 'job.ts': 'console.log(1);\n' });
    const r = await runFlink(['run', join(dir, 'job.ts')], { cwd: dir });
    assert.equal(r.code, 1);
    assert.deepEqual(linesOf(r.stderr), [
      `Error: Cannot compile job file ${join(dir, 'job.ts')}: ${join(dir, 'tsconfig.json')} extends './missing.json', which cannot be found.`,
    ]);
  });
});

describe('flink run: the compile cache', () => {
  const version = (v: string) =>
    lines(
      "import { StreamExecutionEnvironment } from 'flink-ts';",
      "import { tag } from './tag.js';",
      'const env = StreamExecutionEnvironment.getExecutionEnvironment();',
      `env.fromElements('${v}').map((s: string) => tag(s)).print();`,
      `await env.execute('${v}');`,
    );

  test('same path, new content: never the old compile; a corrupt entry is compiled again and replaced', async () => {
    const tmp = tempDir();
    const dir = project({ 'job.ts': version('v1'), 'tag.ts': "export const tag = (s: string): string => `<${s}>`;\n" });
    const run = async () => {
      const r = await runFlink(['run', join(dir, 'job.ts')], { cwd: dir, env: { TMPDIR: tmp } });
      assert.equal(r.code, 0, r.stderr);
      return parseAttachedRun(r.stdout).body;
    };
    assert.deepEqual(await run(), ['<v1>']);
    const cache = cacheDirIn(tmp);
    assert.equal(statSync(cache).mode & 0o777, 0o700);
    assert.equal(cacheEntries(cache).length, 2, 'the job file and its helper');

    writeFileSync(join(dir, 'job.ts'), version('v2'));
    writeFileSync(join(dir, 'tag.ts'), "export const tag = (s: string): string => `[${s}]`;\n");
    assert.deepEqual(await run(), ['[v2]']);
    assert.equal(cacheEntries(cache).length, 4);

    // Every entry's code changed behind its back (its digest no longer fits): each is compiled again.
    const CORRUPT = "console.log('corrupt entry ran');\n";
    for (const entry of cacheEntries(cache)) writeFileSync(entry, readFileSync(entry, 'utf8') + CORRUPT);
    assert.deepEqual(await run(), ['[v2]']);
    const rewritten = cacheEntries(cache).filter((e) => !readFileSync(e, 'utf8').includes(CORRUPT));
    assert.equal(rewritten.length, 2, 'the two files of v2 were written again');

    // Back to v1's text: its (corrupt) entries are not used either.
    writeFileSync(join(dir, 'job.ts'), version('v1'));
    writeFileSync(join(dir, 'tag.ts'), "export const tag = (s: string): string => `<${s}>`;\n");
    assert.deepEqual(await run(), ['<v1>']);
  });
});

describe('flink run: compile errors and stack frames', () => {
  test('a syntax error in the job file: one line with its line and column', async () => {
    const dir = project({ 'job.ts': lines('const ok = 1;', 'console.log(ok);', '', 'const x = ;') });
    const r = await runFlink(['run', join(dir, 'job.ts')], { cwd: dir });
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.deepEqual(linesOf(r.stderr), [`Error: Cannot compile job file ${join(dir, 'job.ts')}: line 4, column 10: Unexpected ";"`]);
  });

  test('a syntax error in an imported helper: one line naming the helper, its line and column', async () => {
    const dir = project({ 'job.ts': "import { f } from './helper.js';\nf();\n", 'helper.ts': 'export function f(): void {\n  return (;\n}\n' });
    const r = await runFlink(['run', join(dir, 'job.ts')], { cwd: dir });
    assert.equal(r.code, 1);
    assert.deepEqual(linesOf(r.stderr), [`Error: Cannot compile job file ${join(dir, 'job.ts')}: ${join(dir, 'helper.ts')}, line 2, column 10: Unexpected ";"`]);
  });

  test("a throw in a helper before execute(): the frames name the .ts files' own lines", async () => {
    const dir = project({
      'job.ts': lines("import { check } from './check';", '', 'type Unused = { a: number };', 'check(3);'),
      'check.ts': lines('interface Padding { lines: string }', 'export function check(n: number): void {', '  throw new Error(`bad ${n}`);', '}'),
    });
    const r = await runFlink(['run', join(dir, 'job.ts')], { cwd: dir });
    assert.equal(r.code, 1);
    assert.match(linesOf(r.stderr)[0]!, /threw: bad 3/);
    const frames = linesOf(r.stderr).filter((l) => /^\s*at\s/.test(l));
    assert.ok(frames.some((f) => f.includes(`${join(dir, 'check.ts')}:3:9`)), r.stderr);
    assert.ok(frames.some((f) => f.includes(`${join(dir, 'job.ts')}:4:1`)), r.stderr);
  });
});
