/**
 * A FileSource at -p 2 on two worker threads through the real `flink` CLI: SIGKILLed while its
 * enumerator hands files to the readers (checkpoints every 10 ms cut through requests and
 * assignments in flight), restored with `flink run -s <jobId>` (from the enumerator's state and
 * the readers'), and finished: the EXACTLY_ONCE FileSink holds every input line exactly once.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { FIXTURES, cleanUpAfterAll, committedLines, freshHome, hiddenFiles, runFlink, tempDir } from './helpers.js';

cleanUpAfterAll();

const JOB = join(FIXTURES, 'file-source-split.ts');
const ARGS = ['-p', '2', '-D', 'taskmanager.numberOfTaskSlots=2', '-D', 'execution.checkpointing.interval=10ms'];

describe('FileSource at -p 2 on workers, killed and restored', () => {
  test('kill -9 while files are being assigned; restored from the job id: every line exactly once', async () => {
    const home = freshHome();
    const base = tempDir();
    const input = join(base, 'in');
    mkdirSync(input);
    const files = 300;
    const expected: string[] = [];
    for (let f = 0; f < files; f++) {
      const lines = Array.from({ length: 5 }, (_, i) => `f${f}-${i}`);
      expected.push(...lines);
      writeFileSync(join(input, `f${String(f).padStart(3, '0')}`), `${lines.join('\n')}\n`);
    }
    const out = join(base, 'out');
    const marker = join(base, 'marker');
    const killed = await runFlink(['run', ...ARGS, JOB, input, out, marker, 'kill', '200', '2'], { home, timeoutMs: 30_000 });
    assert.equal(killed.signal, 'SIGKILL', `the job killed itself:\n${killed.stdout}\n${killed.stderr}`);
    assert.equal(readFileSync(marker, 'utf8'), 'kill\n');
    const jobId = /JobID ([0-9a-f]{32})/.exec(killed.stdout)?.[1];
    assert.ok(jobId, killed.stdout);
    const restored = await runFlink(['run', ...ARGS, '-s', jobId, JOB, input, out, marker, 'kill', '200', '2'], { home, timeoutMs: 30_000 });
    assert.equal(restored.code, 0, `${restored.stdout}\n${restored.stderr}`);
    const got = committedLines(out).map((l) => l.slice(l.indexOf(' ') + 1));
    assert.equal(got.length, expected.length, 'no line lost or written twice');
    assert.deepEqual(got.sort(), expected.sort());
    assert.deepEqual(hiddenFiles(out), []);
  });
});
