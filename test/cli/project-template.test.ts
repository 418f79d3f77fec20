import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PROJECT_TSCONFIG, projectNameOf, projectPackageJson } from '../../src/cli/project-template.js';

describe('flink init: the project files', () => {
  for (const [dir, name] of [
    ['my-job', 'my-job'],
    ['My Job', 'my-job'],
    ['.hidden', 'hidden'],
    ['_x', 'x'],
    ['jobs!!', 'jobs'],
    ['flink-ts', 'flink-job'],
    ['node_modules', 'flink-job'],
    ['…', 'flink-job'],
  ] as const) {
    test(`a directory named ${JSON.stringify(dir)} makes the package ${name}`, () => assert.equal(projectNameOf(dir), name));
  }

  test("package.json: an ES module, flink-ts as given, dev tools at flink-ts's own versions, its install-script approvals", () => {
    const pkg = JSON.parse(
      projectPackageJson('my-job', 'file:flink-ts-1.2.3.tgz', {
        version: '1.2.3',
        dependencies: { tsx: '^4.1.0', commander: '^14' },
        devDependencies: { typescript: '^5.9.0', '@types/node': '^20.1.0', '@types/better-sqlite3': '^7' },
        allowScripts: { 'better-sqlite3': true, lmdb: false },
      }),
    ) as Record<string, unknown>;
    assert.deepEqual(pkg, {
      name: 'my-job',
      version: '0.1.0',
      private: true,
      type: 'module',
      scripts: { start: 'flink run job.ts', local: 'tsx job.ts', typecheck: 'tsc', test: 'node --import tsx --test count-words.test.ts' },
      dependencies: { 'flink-ts': 'file:flink-ts-1.2.3.tgz' },
      devDependencies: { '@types/node': '^20.1.0', typescript: '^5.9.0', tsx: '^4.1.0' },
      allowScripts: { 'better-sqlite3': true, lmdb: false },
    });
  });

  test('tsconfig: strict, NodeNext resolution (package exports), no emit', () => {
    const { compilerOptions } = JSON.parse(PROJECT_TSCONFIG) as { compilerOptions: Record<string, unknown> };
    assert.equal(compilerOptions['strict'], true);
    assert.equal(compilerOptions['moduleResolution'], 'NodeNext');
    assert.equal(compilerOptions['noEmit'], true);
  });
});
