/*
 * FileSink bucket names come from user code fed with record data: a bucket must never lead the
 * sink to write outside its directory.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { FileSink } from '../../src/index.js';
import { runJob, tempDir } from '../helpers/run-job.js';

/** Runs a job writing 'x' through a FileSink at `<tmp>/base/out` whose assigner returns `bucket`. */
async function runWithBucket(bucket: (base: string) => string): Promise<{ base: string; out: string; error: unknown; cleanup: () => void }> {
  const dir = tempDir();
  const base = join(dir.path, 'base');
  const out = join(base, 'out');
  let error: unknown;
  try {
    await runJob((env) => {
      env.fromElements('x').sinkTo(FileSink.forRowFormat<string>(out).withBucketAssigner(() => bucket(base)).build());
    });
  } catch (err) {
    error = err;
  }
  return { base, out, error, cleanup: dir.cleanup };
}

/** Every file under `dir`, relative to it. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

describe('FileSink bucket names', () => {
  const escaping: Array<[string, (base: string) => string]> = [
    ['a parent-directory bucket', () => '../escaped'],
    ['a nested path that climbs out', () => 'a/../../escaped'],
    ['an absolute path', (base) => join(base, 'escaped')],
    ['a backslash path that climbs out', () => '..\\escaped'],
  ];
  for (const [what, bucket] of escaping) {
    test(`${what} fails the job with a clear error and writes nothing outside the directory`, async () => {
      const r = await runWithBucket(bucket);
      try {
        assert.ok(r.error instanceof Error, 'the job must fail');
        assert.match(r.error.message, /bucket assigner returned .*a bucket must be a relative path inside/);
        assert.deepEqual(filesUnder(r.base).filter((f) => !f.startsWith('out/')), [], 'nothing written outside the sink directory');
        assert.equal(existsSync(join(r.base, 'escaped')), false);
      } finally {
        r.cleanup();
      }
    });
  }

  test('a nested relative bucket stays allowed', async () => {
    const r = await runWithBucket(() => '2024-01-01/10');
    try {
      assert.equal(r.error, undefined);
      const files = filesUnder(r.out);
      assert.equal(files.length, 1);
      assert.match(files[0]!, /^2024-01-01\/10\/part-/);
      assert.equal(readFileSync(join(r.out, files[0]!), 'utf8'), 'x\n');
    } finally {
      r.cleanup();
    }
  });
});
