/**
 * The live status line of `flink run`: on a terminal (a pseudo-terminal made by `script`) it shows
 * the job's rates and checkpoints on stderr and is erased before the finish lines; with output
 * piped it never appears.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { FIXTURES, FLINK_BIN, freshHome, killLeftovers, parseAttachedRun, removeTempDirs, runFlink, tempDir } from './helpers.js';

after(async () => {
  await killLeftovers();
  removeTempDirs();
});

/** ~3 s of input at 1000 per second, checkpointed every 300 ms: several reports and checkpoints. */
const JOB = ['run', '-D', 'execution.checkpointing.interval=300ms', join(FIXTURES, 'ckpt-keyed-count.ts')];
const LIVE = /\r\x1b\[2K(\d+) rec\/s in · (\d+) rec\/s out · watermark none · (?:no checkpoint yet|checkpoint \d+: [\d.]+ (?:B|KiB) in \d+ ms)/g;

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

test('on a terminal, flink run shows a live line of rates and checkpoints, erased before the finish lines', { skip: !existsSync('/usr/bin/script') && 'no script(1) here' }, () => {
  const home = freshHome();
  const command = [process.execPath, FLINK_BIN, ...JOB, join(tempDir(), 'out'), '3000', '1000'].map(quote).join(' ');
  // script(1) runs the command on a pseudo-terminal: stdout and stderr are both that terminal.
  const r = spawnSync('script', ['-qfec', command, '/dev/null'], {
    env: { ...process.env, FLINK_TS_HOME: home, NO_COLOR: '1', TERM: 'xterm' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  const lines = [...r.stdout.matchAll(LIVE)];
  assert.ok(lines.length >= 2, `expected live lines, got:\n${JSON.stringify(r.stdout.slice(0, 2000))}`);
  assert.ok(lines.some((m) => Number(m[1]) > 0), 'a rate above zero was shown');
  assert.match(r.stdout, /checkpoint \d+: /);
  // Every line the job printed starts on a cleared line: the status line never mixes with it.
  assert.match(r.stdout, /\r\x1b\[2KJob with JobID [0-9a-f]{32} has finished\.\r?\n/);
  assert.ok(r.stdout.trimEnd().endsWith('ms'), 'the last thing shown is the runtime line, not a status line');
});

test('with output piped there is no live line anywhere', async () => {
  const home = freshHome();
  const r = await runFlink([...JOB, join(tempDir(), 'out'), '3000', '1000'], { home, timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
  parseAttachedRun(r.stdout);
  assert.doesNotMatch(r.stderr, /rec\/s|\x1b\[/);
  assert.doesNotMatch(r.stdout, /rec\/s|\x1b\[/);
});
