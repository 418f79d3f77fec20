import assert from 'node:assert/strict';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { makeDirectories, makeDirectoriesSync } from '../../src/util/make-directories.js';
import { tempDir } from '../helpers/run-job.js';

const t = tempDir('flink-mkdir-');
after(t.cleanup);

describe('makeDirectories (mkdir -p that always ends)', () => {
  for (const [name, make] of [
    ['async', makeDirectories],
    ['sync', async (dir: string) => makeDirectoriesSync(dir)],
  ] as const) {
    test(`${name}: creates missing parents owner-only; an existing directory is fine`, async () => {
      const dir = join(t.path, name, 'a', 'b', 'c');
      await make(dir);
      await make(dir);
      assert.ok(statSync(dir).isDirectory());
      assert.equal(statSync(join(t.path, name, 'a')).mode & 0o777, 0o700);
    });

    test(`${name}: a directory that cannot exist (under /proc, where recursive mkdir never returns) fails`, async () => {
      await assert.rejects(make('/proc/flink-ts-test/savepoints'), { code: 'ENOENT' });
      assert.equal(existsSync('/proc/flink-ts-test'), false);
    });

    test(`${name}: a file in the way fails`, async () => {
      const file = join(t.path, `${name}-file`);
      writeFileSync(file, 'x');
      await assert.rejects(make(join(file, 'sub')), { code: 'ENOTDIR' });
      await assert.rejects(make(file), { code: 'EEXIST' });
    });
  }
});
