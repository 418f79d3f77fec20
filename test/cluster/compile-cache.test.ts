/**
 * Unit tests of the on-disk cache of compiled job files and of compiling through it: keys
 * that change with every input, entries that check themselves (a corrupt or foreign one is
 * compiled again and replaced, never used), atomic writes, and a directory others can reach
 * not used at all.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { compileCacheKey, openCompileCache } from '../../src/cluster/compile-cache.js';
import { COMPILE_ERROR_CODE } from '../../src/cluster/job-file-load-errors.js';
import { compileTypeScript } from '../../src/cluster/ts-compile.js';
import { tempDir } from '../helpers/run-job.js';

const dirs: Array<() => void> = [];
after(() => dirs.forEach((cleanup) => cleanup()));

function scratch(): string {
  const { path, cleanup } = tempDir('flink-compile-cache-');
  dirs.push(cleanup);
  return path;
}

/** The cache's entry files (names ending in .mjs). */
function entries(dir: string): string[] {
  return readdirSync(dir).filter((n) => n.endsWith('.mjs'));
}

/** Runs compiled ES module code and returns what it exports as `out`. */
async function run(code: string): Promise<unknown> {
  const mod = (await import(`data:text/javascript,${encodeURIComponent(code)}`)) as { out: unknown };
  return mod.out;
}

describe('keys', () => {
  test('differ when any part differs, and part boundaries count', () => {
    const base = compileCacheKey(['0.28.2', '/j/job.ts', '{"target":"node20"}', 'const x = 1;']);
    assert.equal(compileCacheKey(['0.28.2', '/j/job.ts', '{"target":"node20"}', 'const x = 1;']), base);
    for (const parts of [
      ['0.28.3', '/j/job.ts', '{"target":"node20"}', 'const x = 1;'],
      ['0.28.2', '/k/job.ts', '{"target":"node20"}', 'const x = 1;'],
      ['0.28.2', '/j/job.ts', '{"target":"node22"}', 'const x = 1;'],
      ['0.28.2', '/j/job.ts', '{"target":"node20"}', 'const x = 2;'],
      ['0.28.2', '/j/job.t', 's{"target":"node20"}', 'const x = 1;'],
    ]) {
      assert.notEqual(compileCacheKey(parts), base, parts.join(' | '));
    }
  });
});

describe('entries', () => {
  test('put then get gives the code back; nothing temporary is left; the directory and files are private', () => {
    const dir = join(scratch(), 'cache');
    const cache = openCompileCache(dir)!;
    assert.ok(cache);
    const key = compileCacheKey(['a']);
    assert.equal(cache.get(key), undefined);
    cache.put(key, 'export const out = 1;\n');
    assert.equal(cache.get(key), 'export const out = 1;\n');
    assert.deepEqual(readdirSync(dir).filter((n) => n.endsWith('.tmp')), []);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.equal(statSync(join(dir, `${key}.mjs`)).mode & 0o777, 0o600);
  });

  test('a corrupt, truncated or foreign entry is a miss, never an error', () => {
    const dir = scratch();
    const cache = openCompileCache(dir)!;
    const key = compileCacheKey(['b']);
    const path = join(dir, `${key}.mjs`);
    cache.put(key, 'export const out = "right";\n');
    const good = readFileSync(path, 'utf8');
    const otherKey = compileCacheKey(['c']);
    const bad = [
      good.replace('right', 'wrong'), // the code changed under its digest
      good.slice(0, good.length - 5), // truncated
      good.replace(key, otherKey), // another entry's header
      good.split('\n').slice(1).join('\n'), // no header at all
      '', // empty
      '\u0000\u0001binary',
    ];
    for (const text of bad) {
      writeFileSync(path, text);
      assert.equal(cache.get(key), undefined, JSON.stringify(text.slice(0, 80)));
    }
  });

  test('a directory others may write or read is not used; a symlink or a file in its place neither', () => {
    const root = scratch();
    const open = join(root, 'open');
    mkdirSync(open, { mode: 0o700 });
    chmodSync(open, 0o777);
    assert.equal(openCompileCache(open), null);
    const file = join(root, 'file');
    writeFileSync(file, '');
    assert.equal(openCompileCache(file), null);
  });
});

describe('compiling through the cache', () => {
  test('the second compile of the same text is served from the cache: an entry replaced by hand shows it', async () => {
    const dir = scratch();
    const cache = openCompileCache(join(dir, 'cache'))!;
    const file = join(dir, 'job.ts');
    const source = 'export const out: number = 1;\n';
    const first = await compileTypeScript(file, source, cache);
    assert.equal(await run(first), 1);
    const [entry] = entries(join(dir, 'cache'));
    assert.ok(entry);
    // A valid entry with other code under the same key: the next compile returns it, so it did not compile.
    const key = entry.replace(/\.mjs$/, '');
    cache.put(key, 'export const out = "from the cache";\n');
    assert.equal(await run(await compileTypeScript(file, source, cache)), 'from the cache');
  });

  test('the same path with new content never gets the old compile', async () => {
    const dir = scratch();
    const cache = openCompileCache(join(dir, 'cache'))!;
    const file = join(dir, 'job.ts');
    assert.equal(await run(await compileTypeScript(file, 'export const out: string = "old";\n', cache)), 'old');
    assert.equal(await run(await compileTypeScript(file, 'export const out: string = "new";\n', cache)), 'new');
    assert.equal(await run(await compileTypeScript(file, 'export const out: string = "old";\n', cache)), 'old');
    assert.equal(entries(join(dir, 'cache')).length, 2);
  });

  test('a corrupt entry is compiled again and replaced by a good one', async () => {
    const dir = scratch();
    const cacheDir = join(dir, 'cache');
    const cache = openCompileCache(cacheDir)!;
    const file = join(dir, 'job.ts');
    const source = 'export const out: number = 42;\n';
    await compileTypeScript(file, source, cache);
    const [entry] = entries(cacheDir);
    const path = join(cacheDir, entry!);
    writeFileSync(path, readFileSync(path, 'utf8').replace('42', '666'));
    assert.equal(await run(await compileTypeScript(file, source, cache)), 42);
    assert.equal(cache.get(entry!.replace(/\.mjs$/, '')), await compileTypeScript(file, source, null));
  });

  test('without a cache it compiles every time; a syntax error says where', async () => {
    const file = join(scratch(), 'broken.ts');
    assert.equal(await run(await compileTypeScript(file, 'export const out = 7 as number;\n', null)), 7);
    await assert.rejects(compileTypeScript(file, 'const ok = 1;\nconst x = ;\n', null), (e: Error & Record<string, unknown>) => {
      assert.equal(e.code, COMPILE_ERROR_CODE);
      assert.deepEqual([e.file, e.line, e.column], [file, 2, 10]);
      assert.match(String(e.text), /Unexpected ";"/);
      return true;
    });
  });
});
