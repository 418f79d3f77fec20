/**
 * Golden tests of the example jobs in jobs/: each one run straight through, and run with
 * checkpoints, killed with `kill -9` after a few of them, and restored with `flink run -s` to
 * its end. What the two produce must agree, as far as each job's sink and timers allow.
 * Every job process started here is ended in `after`.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  REPO, cleanUpAfterAll, committedLines, freshHome, hiddenFiles, killHard, linesOf, listFiles, listedJob,
  parseAttachedRun, runDetached, runFlink, tempDir, waitForCheckpoint,
} from './helpers.js';

cleanUpAfterAll();

const JOBS = join(REPO, 'jobs');
const interval = (v: string) => ['-D', `execution.checkpointing.interval=${v}`];

/**
 * Starts `job` detached with checkpoints every `every`, waits for checkpoint `minId` and kills
 * the process. Returns null if the job finished first (the caller then makes it run longer).
 */
async function crashAfterCheckpoints(
  home: string,
  job: string,
  args: readonly string[],
  every: string,
  minId: number,
): Promise<{ jobId: string; checkpointId: number } | null> {
  const { jobId, pid } = await runDetached(home, job, args, interval(every));
  try {
    await waitForCheckpoint(home, jobId, minId, 15_000);
    await killHard(pid);
  } catch (err) {
    if ((await listedJob(home, jobId)).status === 'FINISHED') return null;
    throw err;
  }
  const crashed = await listedJob(home, jobId);
  if (crashed.status === 'FINISHED') return null;
  assert.equal(crashed.status, 'FAILED', `the killed job is recorded as lost: ${JSON.stringify(crashed)}`);
  return { jobId, checkpointId: crashed.lastCheckpoint!.id };
}

/** Stdout of a detached job (its print sink), from `$FLINK_TS_HOME/log/<jobId>.out`. */
function detachedOut(home: string, jobId: string): string {
  const file = join(home, 'log', `${jobId}.out`);
  return existsSync(file) ? readFileSync(file, 'utf8') : '';
}

describe('jobs/word-count.ts', () => {
  /** `lines` lines of 6 words each, from 800 letter-only words, deterministic. */
  function writeWords(file: string, lines: number): void {
    const syllables = ['ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'te', 'vo', 'zu', 'ph', 'qu', 'ix'];
    const words = Array.from({ length: 800 }, (_, i) => {
      let w = '';
      let n = i;
      do {
        w += syllables[n % 12];
        n = Math.floor(n / 12);
      } while (n > 0);
      return `${w}s`;
    });
    let x = 12345;
    const out: string[] = [];
    for (let l = 0; l < lines; l++) {
      const line: string[] = [];
      for (let k = 0; k < 6; k++) {
        x = (Math.imul(x, 1103515245) + 12345) >>> 0;
        line.push(words[(x >>> 8) % 800]!);
      }
      out.push(line.join(' '));
    }
    writeFileSync(file, `${out.join('\n')}\n`);
  }

  /**
   * The counts of a word-count output: per word, its `word,n` lines must be exactly n = 1..total
   * (each count once). Returns word → total.
   */
  function countsOf(dir: string, what: string): Map<string, number> {
    const seen = new Map<string, number[]>();
    for (const line of committedLines(dir)) {
      // Millions of lines: no regex per line.
      const comma = line.lastIndexOf(',');
      const word = line.slice(0, comma);
      const n = Number(line.slice(comma + 1));
      if (!(comma > 0 && Number.isInteger(n) && n > 0)) assert.fail(`${what}: not a word,count line: ${JSON.stringify(line)}`);
      let list = seen.get(word);
      if (!list) seen.set(word, (list = []));
      list.push(n);
    }
    const totals = new Map<string, number>();
    for (const [word, counts] of seen) {
      assert.match(word, /^[a-z']+$/, `${what}: not a word`);
      const hit = new Uint8Array(counts.length + 1);
      for (const c of counts) {
        if (c > counts.length || hit[c] === 1) assert.fail(`${what}: counts of '${word}' are not 1..n once each (${c} of ${counts.length} lines)`);
        hit[c] = 1;
      }
      totals.set(word, counts.length);
    }
    return totals;
  }

  test('crash after checkpoints and restore commits exactly what a straight run commits', async () => {
    const wc = join(JOBS, 'word-count.ts');
    const home = freshHome();
    const input = join(tempDir(), 'big.txt');
    let crashOut = '';
    let crash: { jobId: string; checkpointId: number } | null = null;
    // ~1.5 s of input (its aligned checkpoints take ~250 ms: the barrier queues behind the
    // records in flight); if the job finishes before it could be killed, more input (and a new output).
    for (let lines = 600_000; crash === null; lines *= 2) {
      assert.ok(lines <= 2_400_000, 'word-count always finished before two checkpoints');
      writeWords(input, lines);
      crashOut = join(tempDir(), 'B');
      crash = await crashAfterCheckpoints(home, wc, ['--input', input, '--output', crashOut], '100ms', 2);
    }
    const before = listFiles(crashOut).filter((f) => !f.startsWith('.'));
    assert.ok(before.length > 0, 'parts were committed before the crash');

    const straightOut = join(tempDir(), 'A');
    const [straight, restored] = await Promise.all([
      runFlink(['run', wc, '--input', input, '--output', straightOut], { home: freshHome(), timeoutMs: 25_000 }),
      // The same --output: the job keeps what was committed before the crash.
      runFlink(['run', '-s', crash.jobId, ...interval('100ms'), wc, '--input', input, '--output', crashOut], { home, timeoutMs: 25_000 }),
    ]);
    assert.equal(straight.code, 0, straight.stderr);
    assert.equal(restored.code, 0, restored.stderr);
    assert.deepEqual(parseAttachedRun(restored.stdout).body, []);

    for (const f of before) assert.ok(existsSync(join(crashOut, f)), `${f}, committed before the crash, is still there after the restore`);
    assert.deepEqual(hiddenFiles(crashOut), [], 'no in-progress or pending files remain');
    const a = countsOf(straightOut, 'straight');
    const b = countsOf(crashOut, 'crash + restore');
    const sorted = (m: Map<string, number>) => [...m].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
    assert.equal(a.size, 800);
    assert.deepEqual(sorted(b), sorted(a));
  });
});

describe('jobs/fraud-detection.ts', () => {
  test('the alerts of crash + restore are the alerts of a straight run', async () => {
    const fd = join(JOBS, 'fraud-detection.ts');
    const count = 6000;
    const alerts = (text: string) => new Set(linesOf(text).filter((l) => l.startsWith('Alert{')));
    // Straight through, without a rate limit (alerts depend on the sequence only: the one-minute
    // timers of the job never fire in runs this short).
    const straight = runFlink(['run', fd, '--count', String(count)], { home: freshHome(), timeoutMs: 20_000 });

    const home = freshHome();
    let crash: { jobId: string; checkpointId: number } | null = null;
    for (let rate = 3000; crash === null; rate /= 2) {
      assert.ok(rate >= 750, 'fraud-detection always finished before two checkpoints');
      crash = await crashAfterCheckpoints(home, fd, ['--count', String(count), '--rate', String(rate)], '100ms', 2);
      if (crash) {
        // At five times the rate: it only has to reach the end (the rate limit is no state).
        const r = await runFlink(['run', '-s', crash.jobId, ...interval('100ms'), fd, '--count', String(count), '--rate', String(rate * 5)], {
          home,
          timeoutMs: 25_000,
        });
        assert.equal(r.code, 0, r.stderr);
        // print() is at-least-once: alerts after the restored checkpoint may appear twice.
        const got = new Set([...alerts(detachedOut(home, crash.jobId)), ...alerts(r.stdout)]);
        const s = await straight;
        assert.equal(s.code, 0, s.stderr);
        const want = alerts(s.stdout);
        assert.ok(want.size > 10, `the straight run raised alerts (${want.size})`);
        assert.ok(alerts(detachedOut(home, crash.jobId)).size > 0, 'the crashed run printed alerts before it was killed');
        assert.deepEqual([...got].sort(), [...want].sort());
      }
    }
  });
});

describe('jobs/running-totals.ts', () => {
  test('after crash + restore, reports keep their format and never count more than the input', async () => {
    const rt = join(JOBS, 'running-totals.ts');
    const count = 3000;
    const rate = 1000;
    const users = 10;
    const args = ['--count', String(count), '--rate', String(rate)];
    const straight = runFlink(['run', rt, ...args], { home: freshHome(), timeoutMs: 20_000 });

    const home = freshHome();
    const crash = await crashAfterCheckpoints(home, rt, args, '200ms', 2);
    assert.ok(crash, 'running-totals finished before it could be killed');
    const restored = await runFlink(['run', '-s', crash.jobId, ...interval('200ms'), rt, ...args], { home, timeoutMs: 25_000 });
    assert.equal(restored.code, 0, restored.stderr);
    const s = await straight;
    assert.equal(s.code, 0, s.stderr);

    /** The exact total of a user's first n purchases (the job's generator, re-implemented). */
    const totalOf = (user: number, n: number) => {
      let cents = 0;
      for (let j = 0; j < n; j++) cents += 100 + (((user + users * j) * 7919) % 10_000);
      return (cents / 100).toFixed(2);
    };
    const highest = (lines: readonly string[], what: string) => {
      const max = new Map<string, number>();
      for (const line of lines) {
        const m = /^user-(\d) total=(\d+\.\d{2}) purchases=(\d+)$/.exec(line);
        assert.ok(m, `${what}: not a report line: ${JSON.stringify(line)}`);
        const n = Number(m[3]);
        // The total goes with the count: state was neither lost nor applied twice.
        assert.equal(m[2], totalOf(Number(m[1]), n), `${what}: ${line}`);
        max.set(`user-${m[1]}`, Math.max(max.get(`user-${m[1]}`) ?? 0, n));
      }
      return max;
    };
    const straightMax = highest(parseAttachedRun(s.stdout).body, 'straight');
    // The detached job's .out starts with its submission line, like an attached run's stdout.
    const crashOut = linesOf(detachedOut(home, crash.jobId));
    assert.equal(crashOut[0], `Job has been submitted with JobID ${crash.jobId}`);
    const crashLines = [...crashOut.slice(1), ...parseAttachedRun(restored.stdout).body];
    const crashMax = highest(crashLines, 'crash + restore');
    assert.equal(straightMax.size, users);
    assert.equal(crashMax.size, users);
    // Reports come from processing-time timers once a second, and timers still pending at the
    // end of input do not fire, so which counts get printed depends on timing: the restored run
    // has a different start time and its own pauses. Exact equality with the straight run is not
    // expected. What must hold: no report counts more purchases than a user has in the input —
    // the count the straight run's state ends with — and the totals match the counts exactly.
    for (const [user, n] of crashMax) assert.ok(n <= count / users, `${user}: purchases=${n} > ${count / users}`);
    for (const [user, n] of straightMax) assert.ok(n <= count / users, `${user}: purchases=${n} > ${count / users} (straight)`);
    // The restored run itself reported; with a lost or twice-applied state its totals would not
    // match its counts (checked above), as the purchases it counts start after the checkpoint.
    assert.ok(parseAttachedRun(restored.stdout).body.length >= users, 'the restored run printed reports');
  });
});
