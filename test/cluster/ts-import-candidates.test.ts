/**
 * Unit tests of the files a relative import in a TypeScript job file may name (tsx's and
 * TypeScript's rules), in the order they are tried.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isTypeScriptUrl, tsImportCandidates } from '../../src/cluster/ts-import-candidates.js';

const EXTENSIONLESS = (p: string) => [
  `${p}.ts`, `${p}.tsx`, `${p}.jsx`, `${p}.js`, `${p}.json`,
  `${p}/index.ts`, `${p}/index.tsx`, `${p}/index.jsx`, `${p}/index.js`, `${p}/index.json`,
];

const CASES: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['./helper.js', ['./helper.ts', './helper.tsx', './helper.js', './helper.jsx']],
  ['../lib/view.jsx', ['../lib/view.tsx', '../lib/view.ts', '../lib/view.jsx', '../lib/view.js']],
  ['./esm.mjs', ['./esm.mts', './esm.mjs']],
  ['./common.cjs', ['./common.cts', './common.cjs']],
  ['./helper', EXTENSIONLESS('./helper')],
  ['./a.b/helper', EXTENSIONLESS('./a.b/helper')],
  ['/abs/helper', EXTENSIONLESS('/abs/helper')],
  ['file:///abs/helper', EXTENSIONLESS('file:///abs/helper')],
  ['./lib/', ['./lib/index.ts', './lib/index.tsx', './lib/index.jsx', './lib/index.js', './lib/index.json']],
  ['.', ['./index.ts', './index.tsx', './index.jsx', './index.js', './index.json']],
  ['..', ['../index.ts', '../index.tsx', '../index.jsx', '../index.js', '../index.json']],
  ['./helper.js?v=2#x', ['./helper.ts?v=2#x', './helper.tsx?v=2#x', './helper.js?v=2#x', './helper.jsx?v=2#x']],
  // Exact extensions, packages and other schemes resolve as written.
  ['./helper.ts', []],
  ['./helper.mts', []],
  ['./data.json', []],
  ['./addon.node', []],
  ['flink-ts', []],
  ['@scope/pkg/sub', []],
  ['node:fs', []],
  ['data:text/javascript,1', []],
];

test('the candidates for each kind of specifier, in order', () => {
  for (const [specifier, expected] of CASES) assert.deepEqual(tsImportCandidates(specifier), expected, specifier);
});

test('which parent URLs are TypeScript (their relative imports get candidates)', () => {
  for (const url of ['file:///j/job.ts', 'file:///j/a.mts', 'file:///j/a.cts', 'file:///j/v.tsx', 'file:///j/v.jsx', 'file:///j/job.ts?x=1']) {
    assert.equal(isTypeScriptUrl(url), true, url);
  }
  for (const url of ['file:///j/a.js', 'file:///j/a.mjs', 'file:///j/a.json', 'file:///j/ts/a.js', 'node:fs']) assert.equal(isTypeScriptUrl(url), false, url);
});
