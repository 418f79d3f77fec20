import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { FileSink } from '../../src/index.js';
import { runJob, tempDir } from '../helpers/run-job.js';

function visibleFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && !e.name.startsWith('.'))
    .map((e) => join(e.parentPath, e.name));
}

test('FileSink: part files stay hidden while written and become visible at end of input', async () => {
  const dir = tempDir();
  try {
    const out = join(dir.path, 'out');
    let hiddenWhileRunning: string[] = [];
    await runJob((env) => {
      env
        .fromSequence(1, 5000)
        .map((n) => {
          if (n === 4999) hiddenWhileRunning = readdirSync(out);
          return { n, even: n % 2 === 0 };
        })
        .setParallelism(2)
        .sinkTo(FileSink.forRowFormat<{ n: number; even: boolean }>(out).build())
        .setParallelism(2);
    });
    assert.ok(hiddenWhileRunning.length > 0 && hiddenWhileRunning.every((f) => f.startsWith('.') && f.endsWith('.inprogress')));
    const files = visibleFiles(out);
    assert.equal(files.length, 2);
    assert.ok(files.every((f) => /part-[0-9a-z]{28}-[01]-0$/.test(f)));
    const lines = files.flatMap((f) => readFileSync(f, 'utf8').trimEnd().split('\n'));
    assert.equal(lines.length, 5000);
    assert.deepEqual(JSON.parse(lines.find((l) => l.startsWith('{"n":42,'))!), { n: 42, even: true });
    assert.equal(readdirSync(out).filter((f) => f.startsWith('.')).length, 0);
  } finally {
    dir.cleanup();
  }
});

test('FileSink: encoder, bucket assigner and file names', async () => {
  const dir = tempDir();
  try {
    await runJob((env) => {
      env
        .fromElements('apple', 'avocado', 'banana')
        .sinkTo(
          FileSink.forRowFormat<string>(dir.path, (s) => s.toUpperCase())
            .withBucketAssigner((s) => s[0]!)
            .withOutputFileConfig({ partPrefix: 'fruit', partSuffix: '.txt' })
            .build(),
        );
    });
    const files = visibleFiles(dir.path).sort();
    assert.equal(files.length, 2);
    assert.match(files[0]!, /\/a\/fruit-[0-9a-z]{28}-0-0\.txt$/);
    assert.equal(readFileSync(files[0]!, 'utf8'), 'APPLE\nAVOCADO\n');
    assert.equal(readFileSync(files[1]!, 'utf8'), 'BANANA\n');
  } finally {
    dir.cleanup();
  }
});

test('FileSink: a failed job leaves no visible output', async () => {
  const dir = tempDir();
  try {
    await assert.rejects(
      runJob((env) => {
        env
          .fromSequence(1, 3000)
          .map((n) => {
            if (n === 2500) throw new Error('boom');
            return n;
          })
          .sinkTo(FileSink.forRowFormat<number>(dir.path).build());
      }),
      /boom/,
    );
    assert.ok(existsSync(dir.path));
    assert.deepEqual(visibleFiles(dir.path), []);
  } finally {
    dir.cleanup();
  }
});
