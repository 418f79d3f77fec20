/**
 * End-to-end tests of the example jobs in jobs/, run by the real `flink run`, their output
 * checked against references computed here.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import { after, describe, test } from 'node:test';
import { REPO, linesOf, listFiles, parseAttachedRun, removeTempDirs, runFlink, tempDir } from './helpers.js';

after(removeTempDirs);

const JOBS = join(REPO, 'jobs');

describe('jobs/word-count.ts', () => {
  test('writes `word,count` lines whose highest count per word is its true count', async () => {
    const cwd = tempDir();
    const outDir = join(tempDir(), 'out');
    const r = await runFlink(['run', join(JOBS, 'word-count.ts'), '--output', outDir], { cwd });
    assert.equal(r.code, 0, r.stderr);
    const { body } = parseAttachedRun(r.stdout);
    assert.deepEqual(body, [], 'word-count prints nothing but the run lines');

    // The truth, computed here.
    const text = readFileSync(join(JOBS, 'data', 'two-cities.txt'), 'utf8');
    const words = text.toLowerCase().split(/[^a-z']+/).filter((w) => w.length > 0);
    const truth = new Map<string, number>();
    for (const w of words) truth.set(w, (truth.get(w) ?? 0) + 1);
    assert.ok(words.length > 100, 'the input has words');

    const files = listFiles(outDir);
    const isHidden = (f: string) => f.split(sep).some((part) => part.startsWith('.'));
    assert.deepEqual(files.filter(isHidden), [], 'no hidden (in-progress or pending) files remain after the job finished');
    const visible = files.filter((f) => !isHidden(f));
    assert.ok(visible.length > 0, 'some part files are visible');
    for (const f of visible) assert.doesNotMatch(f, /inprogress|pending/i);

    const max = new Map<string, number>();
    let lineCount = 0;
    for (const f of visible) {
      for (const line of linesOf(readFileSync(join(outDir, f), 'utf8'))) {
        const m = /^([a-z']+),(\d+)$/.exec(line);
        assert.ok(m, `${f}: not a word,count line: ${JSON.stringify(line)}`);
        lineCount++;
        max.set(m[1]!, Math.max(max.get(m[1]!) ?? 0, Number(m[2])));
      }
    }
    assert.equal(lineCount, words.length, 'one line per word occurrence');
    const sorted = (m: Map<string, number>) => [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    assert.deepEqual(sorted(max), sorted(truth));
    // It wrote where it was told, not into the working directory.
    assert.deepEqual(listFiles(cwd), []);
  });
});

describe('jobs/fraud-detection.ts', () => {
  /** The job's generator, re-implemented (importing the job file would run it). */
  function transaction(index: number): { accountId: number; amount: number; index: number } {
    let x = Math.imul(index ^ 0x9e3779b9, 0x85ebca6b);
    x ^= x >>> 13;
    x = Math.imul(x, 0xc2b2ae35);
    x = (x ^ (x >>> 16)) >>> 0;
    const accountId = x % 50;
    const bucket = (x >>> 8) % 100;
    const amount = bucket < 5 ? 0.5 : bucket < 10 ? 750 : 10 + ((x >>> 4) % 200);
    return { accountId, amount, index };
  }

  /** The alerts of the first `count` transactions (the run is far shorter than the one-minute timer). */
  function referenceAlerts(count: number): string[] {
    const flagged = new Set<number>();
    const alerts: string[] = [];
    for (let i = 0; i < count; i++) {
      const tx = transaction(i);
      if (flagged.has(tx.accountId)) {
        if (tx.amount > 500) alerts.push(`Alert{account=${tx.accountId}, transaction=${tx.index}}`);
        flagged.delete(tx.accountId);
      }
      if (tx.amount < 1) flagged.add(tx.accountId);
    }
    return alerts.sort();
  }

  async function alertsAt(parallelism: string): Promise<string[]> {
    const r = await runFlink(['run', '-p', parallelism, join(JOBS, 'fraud-detection.ts'), '--count', '20000']);
    assert.equal(r.code, 0, r.stderr);
    const { body } = parseAttachedRun(r.stdout);
    return body
      .map((line) => {
        const m = /^(?:\d+> )?(Alert\{account=\d+, transaction=\d+\})$/.exec(line);
        assert.ok(m, `not an alert line: ${JSON.stringify(line)}`);
        return m[1]!;
      })
      .sort();
  }

  test('--count 20000 raises the same alerts at -p 1 and -p 4, and exactly the reference ones', async () => {
    const [p1, p4] = await Promise.all([alertsAt('1'), alertsAt('4')]);
    const expected = referenceAlerts(20_000);
    assert.ok(expected.length > 0, 'the reference has alerts');
    assert.equal(new Set(expected).size, expected.length);
    assert.deepEqual(p1, expected);
    assert.deepEqual(p4, expected);
  });
});

describe('jobs/running-totals.ts', () => {
  test('--count 3000 --rate 2000 finishes and reports correct running totals', async () => {
    const r = await runFlink(['run', join(JOBS, 'running-totals.ts'), '--count', '3000', '--rate', '2000']);
    assert.equal(r.code, 0, r.stderr);
    const { body } = parseAttachedRun(r.stdout);
    assert.ok(body.length > 0, 'some report lines');
    const last = new Map<number, number>();
    for (const line of body) {
      const m = /^user-(\d) total=(\d+\.\d\d) purchases=(\d+)$/.exec(line);
      assert.ok(m, `not a report line: ${JSON.stringify(line)}`);
      const user = Number(m[1]);
      const n = Number(m[3]);
      assert.ok(n >= 1 && n <= 300, line);
      // The source runs at parallelism 1, so user-k's first n purchases are indices k, k+10, ...
      let cents = 0;
      for (let j = 0; j < n; j++) {
        const i = user + 10 * j;
        cents += 100 + ((i * 7919) % 10_000);
      }
      assert.equal(m[2], (cents / 100).toFixed(2), `total of ${line}`);
      // Reports of a user only grow.
      assert.ok(n >= (last.get(user) ?? 0), `purchases went down: ${line}`);
      last.set(user, n);
    }
    const total = [...last.values()].reduce((a, b) => a + b, 0);
    assert.ok(total <= 3000, `final purchases add up to ${total} > 3000`);
  });
});
