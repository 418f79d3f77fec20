/**
 * What `flink info` reads of a snapshot that is damaged or not a snapshot at all, on copies of
 * the format-2 fixture (a savepoint, and an incremental checkpoint with its shared/ chain).
 */
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { inspectSnapshot, loadSnapshot, readSnapshotMetadata } from '../../src/checkpoint/index.js';
import { SnapshotRestoreError } from '../../src/util/errors.js';

const FIXTURE = join(import.meta.dirname, '..', 'fixtures', 'snapshots', 'format-2');
const temps: string[] = [];
after(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

function copyOf(what: 'savepoint' | 'checkpoints'): string {
  const dir = mkdtempSync(join(tmpdir(), 'flink-inspect-'));
  temps.push(dir);
  cpSync(join(FIXTURE, what), join(dir, what), { recursive: true });
  return join(dir, what);
}

function flipByte(file: string, at: number): void {
  const bytes = readFileSync(file);
  bytes[at] = bytes[at]! ^ 0xff;
  writeFileSync(file, bytes);
}

describe('flink info on damaged snapshots', () => {
  test('an intact snapshot: nothing damaged, restorable', () => {
    const info = inspectSnapshot(copyOf('savepoint'));
    assert.equal(info.restorable, true);
    assert.deepEqual(
      info.operators.map((o) => o.damaged),
      info.operators.map(() => []),
    );
  });

  test('a state file with a flipped byte, one truncated, one missing: each flagged by name, the rest still read', () => {
    const sp = copyOf('savepoint');
    const intact = inspectSnapshot(sp);
    const keyed = intact.operators.find((o) => o.parallelism === 2 && Object.keys(o.keyedStates).length > 0)!;
    const others = intact.operators.filter((o) => o !== keyed);
    const stateFiles = readSnapshotMetadata(sp)
      .operators.find((o) => o.uid === keyed.uid)!
      .subtasks.map((h) => h.file);
    flipByte(join(sp, stateFiles[0]!), 40);

    const one = inspectSnapshot(sp);
    assert.equal(one.restorable, false);
    const op = one.operators.find((o) => o.uid === keyed.uid)!;
    assert.deepEqual(op.damaged, [`subtask 0: state file ${stateFiles[0]} of operator '${keyed.uid}' is damaged (checksum mismatch)`]);
    // Subtask 1 is still read: fewer keys than intact, but some.
    for (const [name, s] of Object.entries(op.keyedStates)) {
      assert.ok(s.keys < keyed.keyedStates[name]!.keys, `state '${name}': only subtask 1's keys are counted`);
    }
    // The other operators read as before.
    assert.deepEqual(
      one.operators.filter((o) => o.uid !== keyed.uid),
      others,
    );
    // A restore refuses the same file.
    assert.throws(() => loadSnapshot(sp), /state file .* is damaged \(checksum mismatch\)/);

    truncateSync(join(sp, stateFiles[1]!), 10);
    assert.match(inspectSnapshot(sp).operators.find((o) => o.uid === keyed.uid)!.damaged[1]!, /^subtask 1: state file .* has 10 bytes, expected \d+ \(truncated\?\)$/);
    rmSync(join(sp, stateFiles[1]!));
    assert.match(inspectSnapshot(sp).operators.find((o) => o.uid === keyed.uid)!.damaged[1]!, /^subtask 1: state file .* is missing \(no such file in the snapshot directory\)$/);
  });

  test("an incremental checkpoint whose shared/ file is damaged names that file", () => {
    const chk = join(copyOf('checkpoints'), 'chk-3');
    const shared = join(chk, '..', 'shared');
    const delta = 'op-ca06b4890c11c3314308-0-chk2-1ab83047.delta';
    flipByte(join(shared, delta), 30);
    const info = inspectSnapshot(chk);
    assert.equal(info.restorable, false);
    const damaged = info.operators.flatMap((o) => o.damaged);
    assert.equal(damaged.length, 1);
    assert.match(damaged[0]!, new RegExp(`^subtask 0: shared state file ${delta} of operator '.+' is damaged \\(checksum mismatch\\)$`));
  });

  test('a broken _metadata is still refused outright: without it nothing is known', () => {
    const sp = copyOf('savepoint');
    writeFileSync(join(sp, '_metadata'), '{"not": "metadata"}');
    assert.throws(() => inspectSnapshot(sp), /its _metadata is invalid/);
  });
});

describe('a directory that holds snapshots instead of being one', () => {
  const refusal = (dir: string): string => {
    try {
      inspectSnapshot(dir);
    } catch (err) {
      assert.ok(err instanceof SnapshotRestoreError);
      assert.equal(err.code, 'snapshot.noMetadata');
      return err.message;
    }
    assert.fail(`${dir} was read as a snapshot`);
  };

  test("a job's checkpoint directory names its chk-* by number and how to give one, or the job id", () => {
    const root = mkdtempSync(join(tmpdir(), 'flink-inspect-'));
    temps.push(root);
    const jobDir = join(root, '5a4f0e1d2c3b4a5968778695a4b3c2d1');
    for (const n of [9, 10, 8]) cpSync(join(FIXTURE, 'savepoint'), join(jobDir, `chk-${n}`), { recursive: true });
    mkdirSync(join(jobDir, 'chk-11')); // unfinished: no _metadata, not named
    mkdirSync(join(jobDir, 'shared'));
    assert.equal(
      refusal(jobDir),
      `Cannot restore from ${jobDir}: it is a job's checkpoint directory, not a checkpoint: it holds chk-8, chk-9, chk-10. ` +
        `Give one of them, e.g. the newest: ${join(jobDir, 'chk-10')}, or the job id 5a4f0e1d2c3b4a5968778695a4b3c2d1 for its newest checkpoint.`,
    );
    rmSync(join(jobDir, 'chk-8'), { recursive: true });
    rmSync(join(jobDir, 'chk-9'), { recursive: true });
    assert.match(refusal(jobDir), /it holds chk-10\. Give that one: .*\/chk-10, or the job id/);
  });

  test('a directory of savepoints names them; an empty directory has no _metadata, as before', () => {
    const root = mkdtempSync(join(tmpdir(), 'flink-inspect-'));
    temps.push(root);
    cpSync(join(FIXTURE, 'savepoint'), join(root, 'savepoint-5a4f0e-000000000001'), { recursive: true });
    assert.equal(
      refusal(root),
      `Cannot restore from ${root}: it is not a savepoint but holds one: savepoint-5a4f0e-000000000001. Give that one: ${join(root, 'savepoint-5a4f0e-000000000001')}.`,
    );
    const empty = join(root, 'empty');
    mkdirSync(empty);
    assert.equal(refusal(empty), `Cannot restore from ${empty}: it has no _metadata, so it is not a complete checkpoint or savepoint.`);
  });
});
