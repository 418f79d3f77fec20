/**
 * The package's files are found from its root (package.json named flink-ts), whatever depth the
 * asking module sits at: here the sources under tsx, where the entry modules are the .ts files.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { FROM_SOURCE, entryModuleUrl, packageFile, packageRoot } from '../../src/util/package-root.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

test('the package root is the directory of the package.json named flink-ts', () => {
  assert.equal(join(packageRoot(), '/'), join(REPO, '/'));
  assert.equal((JSON.parse(readFileSync(packageFile('package.json'), 'utf8')) as { name: string }).name, 'flink-ts');
  assert.ok(existsSync(packageFile('bin/flink')));
  assert.ok(existsSync(packageFile('dashboard/index.html')));
});

test('from source, the entry modules are the .ts files under src/', () => {
  assert.equal(FROM_SOURCE, true);
  for (const entry of ['index', 'cluster/task-worker', 'cluster/job-file-hooks']) {
    const url = entryModuleUrl(entry);
    assert.equal(fileURLToPath(url), join(REPO, 'src', `${entry}.ts`));
    assert.ok(existsSync(url), `${entry} exists`);
  }
});
