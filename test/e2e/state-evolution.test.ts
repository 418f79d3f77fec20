/**
 * End-to-end tests of state evolution across a savepoint, through the CLI:
 *
 * - Avro schema evolution (evo-job.ts): v1 → v2 (int promoted to long, a field dropped, a field
 *   added with a default) restores and continues; v3 (a field without a default) is refused,
 *   naming the state, the operator uid and the field; so is v4 (a field's type int → string).
 * - State TTL (evo-ttl.ts): TTL timestamps survive a savepoint (values younger than the TTL come
 *   back, older ones are expired), and TTL cannot be turned off for an existing state.
 *
 * The jobs run without periodic checkpoints. Every job process started here is ended in `after`.
 */
import assert from 'node:assert/strict';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  activeJobRows, cancelJob, cleanUpAfterAll, committedLines, engineFrames, freshHome, listJson, listedJob,
  nonWarningLines, parseAttachedRun, runDetached, runFlink, savepointPathOf, sleep, tempDir,
  waitForInProgressPart,
} from './helpers.js';
import { EVO_JOB, EVO_TTL } from './fixture-jobs.js';

cleanUpAfterAll();

const KEYS = 5;
/** Starts a fixture detached, waits until it writes records, takes a savepoint and cancels it. */
async function savepointOfRunning(home: string, file: string, args: readonly string[], out: string): Promise<{ jobId: string; sp: string; spDoneAt: number }> {
  const { jobId } = await runDetached(home, file, args);
  await waitForInProgressPart(out);
  await sleep(300);
  const sp = savepointPathOf(await runFlink(['savepoint', jobId], { home, timeoutMs: 15_000 }));
  const spDoneAt = Date.now();
  assert.equal((await listedJob(home, jobId)).status, 'RUNNING', 'the job was still running at the savepoint');
  await cancelJob(home, jobId);
  return { jobId, sp, spDoneAt };
}

/**
 * A restore that fails when the operator registers its state: exit 1, one `Error:` line with the
 * reason (the user's error may follow, indented), no engine stack frames, no job left running.
 */
async function assertRestoreFailed(home: string, r: { code: number | null; stdout: string; stderr: string }): Promise<string> {
  assert.equal(r.code, 1, `expected exit 1, got ${r.code}:\n${r.stdout}\n${r.stderr}`);
  assert.doesNotMatch(r.stdout, /has finished/);
  const lines = nonWarningLines(r.stderr);
  const errorLines = lines.filter((l) => /^Error:/.test(l));
  assert.equal(errorLines.length, 1, `expected one Error: line, got:\n${r.stderr}`);
  assert.ok(lines.every((l) => l === errorLines[0] || /^\s/.test(l)), `unexpected stderr lines:\n${r.stderr}`);
  assert.deepEqual(engineFrames(r.stderr), []);
  assert.deepEqual(activeJobRows(home), []);
  assert.deepEqual((await listJson(home, [])).filter((j) => j.status === 'RUNNING'), [], 'flink list --json shows no running job');
  return errorLines[0]!;
}

interface Account {
  id: string;
  balance: number;
  note?: string;
  email?: string;
}
interface AccountLine {
  key: number;
  i: number;
  before: Account | null;
  after: Account;
}

const byInput = <L extends { i: number }>(lines: readonly string[]): L[] => lines.map((l) => JSON.parse(l) as L).sort((a, b) => a.i - b.i);

describe('state evolution across a savepoint', () => {
  test('Avro state: v1 → v2 (promoted, dropped, defaulted fields) continues; v3 (a field without default) is refused', async () => {
    const home = freshHome();
    const root = tempDir();
    const out = join(root, 'out');
    const N = 1000;
    const { jobId, sp } = await savepointOfRunning(home, EVO_JOB, ['v1', out, String(N), '100'], out);

    // flink info: the state, its operator and its serializer.
    const info = await runFlink(['info', sp], { home, timeoutMs: 15_000 });
    assert.equal(info.code, 0, info.stderr);
    assert.ok(info.stdout.includes(jobId));
    assert.match(info.stdout, /Operator uid 'acct'/);
    assert.match(info.stdout, /keyed value state 'account' \(avro serializer\): 5 keys/);
    const json = JSON.parse((await runFlink(['info', sp, '--json'], { home, timeoutMs: 15_000 })).stdout) as {
      operators: Array<{ uid: string; keyedStates: Record<string, { kind: string; ttl: boolean; serializer: string; keys: number }> }>;
    };
    assert.deepEqual(json.operators.find((o) => o.uid === 'acct')?.keyedStates, {
      account: { kind: 'value', ttl: false, serializer: 'avro', keys: 5 },
    });

    // What v1 committed: inputs 0..P-1, v1 accounts with a note.
    const v1 = byInput<AccountLine>(committedLines(out));
    const P = v1.length;
    assert.ok(P >= KEYS && P < N, `v1 committed ${P} of ${N} lines`);
    assert.deepEqual(
      v1.map((l) => l.i),
      [...Array(P).keys()],
    );
    assert.ok(v1.every((l) => typeof l.after.note === 'string' && l.after.email === undefined));
    const v1Balance = new Map<number, number>();
    for (const l of v1) v1Balance.set(l.key, l.after.balance);
    const v3Out = join(root, 'out-v3');
    cpSync(out, v3Out, { recursive: true });
    const v4Out = join(root, 'out-v4');
    cpSync(out, v4Out, { recursive: true });

    // v2 restores and runs to the end.
    const r2 = await runFlink(['run', '-s', sp, EVO_JOB, 'v2', out, String(N), 'max'], { home, timeoutMs: 20_000 });
    assert.equal(r2.code, 0, `v2 restore failed:\n${r2.stdout}\n${r2.stderr}`);
    parseAttachedRun(r2.stdout);
    const all = byInput<AccountLine>(committedLines(out));
    assert.deepEqual(
      all.map((l) => l.i),
      [...Array(N).keys()],
      'every input exactly once',
    );
    const v2 = all.slice(P);
    for (let k = 0; k < KEYS; k++) {
      const lines = v2.filter((l) => l.key === k);
      const first = lines[0]!;
      assert.deepEqual(
        first.before,
        { id: String(k), balance: v1Balance.get(k)!, email: 'none' },
        `key ${k}: the restored v1 account read with v2 (balance continues, email defaulted, no note)`,
      );
      assert.ok(lines.every((l) => l.before !== null && !('note' in l.before) && l.before.email === 'none'));
      assert.equal(lines.at(-1)!.after.balance, N / KEYS, `key ${k}: the final balance is the count of inputs of the key`);
      assert.ok(lines.every((l, idx) => idx === 0 || l.before!.balance === lines[idx - 1]!.after.balance));
    }

    // v3 adds a field without a default: refused, naming the state, the operator and the field.
    const r3 = await runFlink(['run', '-s', sp, EVO_JOB, 'v3', v3Out, String(N), 'max'], { home, timeoutMs: 20_000 });
    const line = await assertRestoreFailed(home, r3);
    assert.match(line, /'account'/);
    assert.match(line, /uid 'acct'/);
    assert.match(line, /\btier\b/);
    assert.match(line, /incompatible|cannot be restored/i);

    // v4 changes a field's type int → string: refused, naming the state, the operator and the field.
    const r4 = await runFlink(['run', '-s', sp, EVO_JOB, 'v4', v4Out, String(N), 'max'], { home, timeoutMs: 20_000 });
    const line4 = await assertRestoreFailed(home, r4);
    assert.match(line4, /State 'account' cannot be restored/);
    assert.match(line4, /uid 'acct'/);
    assert.match(line4, /field 'balance' was int and is now string, which Avro cannot convert/);
  });

  test('TTL: timestamps survive a savepoint (young values come back, old ones expired); TTL cannot be turned off', async () => {
    const home = freshHome();
    const root = tempDir();
    const out = join(root, 'out');
    // Long enough that a loaded machine restores and reads within it (the read phase waits it out once).
    const TTL = 8000;
    const N = 200;
    const { sp } = await savepointOfRunning(home, EVO_TTL, ['write', out, String(TTL), String(N), '20'], out);
    const info = await runFlink(['info', sp], { home, timeoutMs: 15_000 });
    assert.match(info.stdout, /keyed value state 'last' \(with TTL\): 5 keys/);

    interface TtlLine {
      key: number;
      i: number;
      now: number;
      prev: { i: number; at: number } | null;
    }
    // The last write per key before the savepoint.
    const written = byInput<TtlLine>(committedLines(out));
    const P = written.length;
    assert.ok(P >= KEYS && P < N, `the write phase committed ${P} of ${N} lines`);
    const lastWrite = new Map<number, { i: number; at: number }>();
    for (const l of written) lastWrite.set(l.key, { i: l.i, at: l.now });
    const newest = Math.max(...[...lastWrite.values()].map((w) => w.at));
    const expiredOut = join(root, 'out-expired');
    const noTtlOut = join(root, 'out-nottl');
    cpSync(out, expiredOut, { recursive: true });
    cpSync(out, noTtlOut, { recursive: true });

    const readFrom = async (dir: string): Promise<TtlLine[]> => {
      const r = await runFlink(['run', '-s', sp, EVO_TTL, 'read', dir, String(TTL), String(N), 'max'], { home, timeoutMs: 20_000 });
      assert.equal(r.code, 0, `read restore failed:\n${r.stdout}\n${r.stderr}`);
      const lines = byInput<TtlLine>(committedLines(dir));
      assert.deepEqual(
        lines.map((l) => l.i),
        [...Array(N).keys()],
      );
      const read = lines.slice(P);
      // NeverReturnExpired: whatever comes back is younger than the TTL.
      for (const l of read) if (l.prev) assert.ok(l.now - l.prev.at < TTL, `an expired value was returned: ${JSON.stringify(l)}`);
      return read;
    };

    // Restored at once: every key's last write comes back (a read does not refresh it).
    const young = await readFrom(out);
    const age = Math.max(...young.map((l) => l.now)) - Math.min(...[...lastWrite.values()].map((w) => w.at));
    assert.ok(age < TTL, `the restored job read only ${age} ms after the writes (the machine is too slow for TTL ${TTL} ms)`);
    for (let k = 0; k < KEYS; k++) {
      for (const l of young.filter((x) => x.key === k)) assert.deepEqual(l.prev, lastWrite.get(k), `key ${k}: the value written before the savepoint`);
    }

    // TTL removed from the descriptor: refused (asked while the TTL runs out: the answer does not depend on it).
    const r = await runFlink(['run', '-s', sp, EVO_TTL, 'nottl', noTtlOut, String(TTL), String(N), 'max'], { home, timeoutMs: 20_000 });
    const line = await assertRestoreFailed(home, r);
    assert.match(line, /'last'/);
    assert.match(line, /uid 'ttl'/);
    assert.match(line, /TTL on or off/i);
    assert.match(line, /not supported/i);

    // Restored after the TTL has passed: every value is expired, the state starts fresh.
    await sleep(Math.max(0, newest + TTL + 200 - Date.now()));
    const old = await readFrom(expiredOut);
    assert.deepEqual(
      old.filter((l) => l.prev !== null),
      [],
      'values older than the TTL are expired after the restore',
    );
  });
});
