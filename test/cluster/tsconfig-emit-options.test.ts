/**
 * Unit tests of the compiler options a job's TypeScript files are compiled with: the nearest
 * tsconfig.json, comments and trailing commas, `extends` (paths, arrays, packages), and which
 * options reach esbuild — class field semantics as TypeScript derives them from the target.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { emitCompilerOptions, emitOptionsFor, stripJsonComments } from '../../src/cluster/tsconfig-emit-options.js';
import { TSCONFIG_ERROR_CODE } from '../../src/cluster/job-file-load-errors.js';
import { tempDir } from '../helpers/run-job.js';

const dirs: Array<() => void> = [];
after(() => dirs.forEach((cleanup) => cleanup()));

/** A fresh directory holding `files` (path → text). */
function tree(files: Record<string, string>): string {
  const { path, cleanup } = tempDir('flink-tsconfig-');
  dirs.push(cleanup);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(path, name, '..'), { recursive: true });
    writeFileSync(join(path, name), text);
  }
  return path;
}

describe('tsconfig.json text', () => {
  test('comments and trailing commas go; strings that look like them stay', () => {
    const text = '\ufeff{\n  // a comment\n  "a": "x // not a comment", /* block */ "b": "/* kept */",\n  "c": [1, 2,],\n  "d": "a,}",\n}\n';
    assert.deepEqual(JSON.parse(stripJsonComments(text)), { a: 'x // not a comment', b: '/* kept */', c: [1, 2], d: 'a,}' });
  });

  test('escaped quotes inside strings do not end them', () => {
    assert.deepEqual(JSON.parse(stripJsonComments('{"a": "say \\"hi\\" // ok", }')), { a: 'say "hi" // ok' });
  });
});

describe('which options reach esbuild', () => {
  test('class field semantics: explicit, from the target, from the module, or unsaid', () => {
    const cases: ReadonlyArray<readonly [Record<string, unknown>, boolean | undefined]> = [
      [{ useDefineForClassFields: false, target: 'ES2022' }, false],
      [{ useDefineForClassFields: true, target: 'ES5' }, true],
      [{ target: 'ES2022' }, true],
      [{ target: 'es2023' }, true],
      [{ target: 'ESNext' }, true],
      [{ target: 'ES2021' }, false],
      [{ target: 'ES2015' }, false],
      [{ target: 'es6' }, false],
      [{ module: 'NodeNext' }, true],
      [{ module: 'node16' }, true],
      [{ module: 'Node20' }, true],
      [{ module: 'NodeNext', target: 'ES2020' }, false],
      [{ module: 'ESNext' }, undefined],
      [{}, undefined],
    ];
    for (const [options, expected] of cases) assert.equal(emitCompilerOptions(options).useDefineForClassFields, expected, JSON.stringify(options));
  });

  test('emit options are picked, type-checking ones and wrongly typed values left out', () => {
    const picked = emitCompilerOptions({
      strict: true,
      noImplicitAny: true,
      paths: { x: ['./y'] },
      experimentalDecorators: true,
      emitDecoratorMetadata: true,
      verbatimModuleSyntax: 'yes',
      preserveValueImports: false,
      importsNotUsedAsValues: 'Preserve',
      jsx: 'React-JSX',
      jsxImportSource: 'preact',
      jsxFactory: 1,
    });
    assert.deepEqual(picked, { experimentalDecorators: true, preserveValueImports: false, importsNotUsedAsValues: 'preserve', jsx: 'react-jsx', jsxImportSource: 'preact' });
  });
});

describe('the nearest tsconfig.json and its extends', () => {
  test('a file takes the nearest tsconfig.json above it; none up to the root gives no options', () => {
    const root = tree({
      'tsconfig.json': '{ "compilerOptions": { "experimentalDecorators": true } }',
      'a/b/job.ts': '',
      'c/tsconfig.json': '{ "compilerOptions": { "useDefineForClassFields": false } }',
      'c/job.ts': '',
    });
    assert.deepEqual(emitOptionsFor(join(root, 'a/b/job.ts')), { tsconfig: join(root, 'tsconfig.json'), tsconfigRaw: { compilerOptions: { experimentalDecorators: true } } });
    assert.deepEqual(emitOptionsFor(join(root, 'c/job.ts')).tsconfigRaw.compilerOptions, { useDefineForClassFields: false });
  });

  test('extends: a relative path without .json, an array (later wins), the child over both', () => {
    const root = tree({
      'base.json': '{ "compilerOptions": { "target": "ES2020", "experimentalDecorators": true, "jsx": "react" } }',
      'configs/strict.json': '{ "extends": "../base", "compilerOptions": { "jsx": "react-jsx" } }',
      'other.json': '{ "compilerOptions": { "target": "ES2022" } }',
      'p/tsconfig.json': '{ "extends": ["../configs/strict.json", "../other.json"], "compilerOptions": { "experimentalDecorators": false, }, }',
      'p/job.ts': '',
    });
    assert.deepEqual(emitOptionsFor(join(root, 'p/job.ts')).tsconfigRaw.compilerOptions, {
      useDefineForClassFields: true,
      experimentalDecorators: false,
      jsx: 'react-jsx',
    });
  });

  test("extends: a package's tsconfig, by file or by its package.json's tsconfig field", () => {
    const root = tree({
      'node_modules/@cfg/node/tsconfig.json': '{ "compilerOptions": { "target": "ES2019" } }',
      'node_modules/@cfg/node/package.json': '{ "name": "@cfg/node" }',
      'node_modules/shared/package.json': '{ "name": "shared", "tsconfig": "conf/ts.json" }',
      'node_modules/shared/conf/ts.json': '{ "compilerOptions": { "verbatimModuleSyntax": true } }',
      'a/tsconfig.json': '{ "extends": "@cfg/node/tsconfig.json" }',
      'a/job.ts': '',
      'b/tsconfig.json': '{ "extends": "@cfg/node" }',
      'b/job.ts': '',
      'c/tsconfig.json': '{ "extends": "shared" }',
      'c/job.ts': '',
    });
    assert.deepEqual(emitOptionsFor(join(root, 'a/job.ts')).tsconfigRaw.compilerOptions, { useDefineForClassFields: false });
    assert.deepEqual(emitOptionsFor(join(root, 'b/job.ts')).tsconfigRaw.compilerOptions, { useDefineForClassFields: false });
    assert.deepEqual(emitOptionsFor(join(root, 'c/job.ts')).tsconfigRaw.compilerOptions, { verbatimModuleSyntax: true });
  });

  test('a missing extends, a circle and bad JSON are errors naming the tsconfig', () => {
    const root = tree({
      'missing/tsconfig.json': '{ "extends": "./nowhere.json" }',
      'missing/job.ts': '',
      'circle/tsconfig.json': '{ "extends": "./b.json" }',
      'circle/b.json': '{ "extends": "./tsconfig.json" }',
      'circle/job.ts': '',
      'bad/tsconfig.json': '{ "compilerOptions": { "target": } }',
      'bad/job.ts': '',
      'array/tsconfig.json': '[1]',
      'array/job.ts': '',
    });
    const fails = (dir: string, message: RegExp) =>
      assert.throws(() => emitOptionsFor(join(root, dir, 'job.ts')), (e: Error & { code?: string }) => {
        assert.equal(e.code, TSCONFIG_ERROR_CODE);
        assert.ok(e.message.includes(join(root, dir, 'tsconfig.json')), e.message);
        assert.match(e.message, message);
        return true;
      });
    fails('missing', /extends '\.\/nowhere\.json', which cannot be found/);
    fails('circle', /in a circle/);
    fails('bad', /not valid JSON/);
    fails('array', /not a JSON object/);
  });
});
