/*
 * The pure parts of the mutant runner (mutants/mutant.ts): applying a mutant refuses a snippet
 * that is gone or ambiguous (the code moved, loudly), stale mutants found before any build, the
 * catalogue's own checks, the verdict on one mutant from what the runner saw, the score and the
 * run's exit code (a survivor, or any mutant not judged caught, fails the command), and reading
 * the failing test from node's TAP output.
 * The mutants themselves run with `npm run mutants`, not here.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type Mutant, type MutantResult, type Observed, applyMutant, catalogueProblems, firstFailingTest, judge, score, staleMutants, verdict } from '../../mutants/mutant.js';

const mutant = (over: Partial<Mutant> = {}): Mutant => ({
  id: 'off-by-one',
  area: 'test',
  file: 'src/x.ts',
  original: 'i < n',
  replacement: 'i <= n',
  bug: 'one too many',
  tests: ['test/x.test.ts'],
  ...over,
});

describe('applyMutant', () => {
  test('replaces the one occurrence of the original snippet', () => {
    assert.deepEqual(applyMutant(mutant(), 'for (i = 0; i < n; i++) f(i);'), { ok: true, text: 'for (i = 0; i <= n; i++) f(i);' });
  });

  test('a snippet no longer in the file is refused, saying the code moved', () => {
    const r = applyMutant(mutant(), 'for (const x of xs) f(x);');
    assert.equal(r.ok, false);
    assert.match(!r.ok ? r.problem : '', /no longer in src\/x\.ts \(the code moved\)/);
  });

  test('a snippet that occurs twice is refused: the mutant must name one place', () => {
    const r = applyMutant(mutant(), 'a(i < n); b(i < n);');
    assert.equal(r.ok, false);
    assert.match(!r.ok ? r.problem : '', /occurs more than once/);
  });

  test('whitespace counts', () => {
    assert.equal(applyMutant(mutant(), 'i  < n').ok, false);
  });
});

describe('staleMutants: the code a mutant names moved', () => {
  const files: Record<string, string> = { 'src/x.ts': 'while (i < n) i++;', 'src/y.ts': 'if (a) b(); if (a) b();' };
  const read = (f: string) => files[f]!;

  test('a mutant that applies is not stale', () => {
    assert.deepEqual(staleMutants([mutant()], read), []);
  });

  test('a snippet that is gone, or now ambiguous, makes its mutant stale with the reason; the others are not', () => {
    const stale = staleMutants([mutant(), mutant({ id: 'gone', original: 'i <= n' }), mutant({ id: 'twice', file: 'src/y.ts', original: 'if (a) b();' })], read);
    assert.deepEqual(
      stale.map((r) => [r.mutant.id, r.outcome]),
      [
        ['gone', 'stale'],
        ['twice', 'stale'],
      ],
    );
    assert.match(stale[0]!.detail!, /no longer in src\/x\.ts \(the code moved\): update the mutant/);
    assert.match(stale[1]!.detail!, /occurs more than once in src\/y\.ts/);
  });

  test('a stale mutant fails the run even when every other mutant is caught', () => {
    const stale = staleMutants([mutant({ id: 'gone', original: 'i <= n' })], read);
    const caught: MutantResult = { mutant: mutant(), outcome: 'caught', seconds: 1 };
    const s = score([caught, ...stale]);
    assert.equal(s.percent, 50);
    assert.equal(verdict(s, 1, 2).exitCode, 1);
  });
});

describe('judge: the verdict on one mutant from what the runner saw', () => {
  const applied = applyMutant(mutant(), 'i < n');
  const built = { ok: true, output: '' };
  const tested = (code: number | null, output = '', timedOut = false) => ({ code, output, timedOut });
  const facts = (over: Partial<Observed>): Observed => ({ baselinePassed: true, applied, build: built, ...over });

  test('a failing test catches it, named from the TAP output', () => {
    assert.deepEqual(judge(facts({ test: tested(1, 'not ok 3 - commits n+1 too') })), { outcome: 'caught', detail: 'commits n+1 too' });
    assert.deepEqual(judge(facts({ test: tested(1, 'Error: boom') })), { outcome: 'caught', detail: 'exit code 1' });
  });

  test('every test passing with the mutant in: survived', () => {
    assert.deepEqual(judge(facts({ test: tested(0, 'ok 1 - fine') })), { outcome: 'survived' });
  });

  test('tests that hang: timeout (counted as caught)', () => {
    assert.equal(judge(facts({ test: tested(null, '', true) })).outcome, 'timeout');
  });

  test('mutated code that does not compile: invalid, with the compiler’s first lines', () => {
    const v = judge(facts({ build: { ok: false, output: "src/x.ts(1,1): error TS2304: Cannot find name 'm'.\n" } }));
    assert.equal(v.outcome, 'invalid');
    assert.match(v.detail!, /does not compile: src\/x\.ts\(1,1\): error TS2304/);
  });

  test('a snippet that no longer applies: stale, never built or tested', () => {
    assert.deepEqual(judge({ baselinePassed: true, applied: applyMutant(mutant(), 'for (;;) {}') }), {
      outcome: 'stale',
      detail: 'its original snippet is no longer in src/x.ts (the code moved): update the mutant',
    });
  });

  test('tests that fail without the mutant prove nothing: unverified, whatever came after', () => {
    assert.equal(judge({ baselinePassed: false }).outcome, 'unverified');
    assert.equal(judge(facts({ baselinePassed: false, test: tested(1, 'not ok 1 - x') })).outcome, 'unverified');
  });

  test('a verdict with a step missing is a runner bug, not a pass', () => {
    assert.throws(() => judge({ baselinePassed: true, applied, build: built }), /must have been tested/);
  });
});

describe('catalogueProblems', () => {
  const exists = (p: string) => p === 'src/x.ts' || p === 'test/x.test.ts';

  test('a good catalogue has none', () => {
    assert.deepEqual(catalogueProblems([mutant(), mutant({ id: 'other' })], exists), []);
  });

  test('duplicate ids, no-op edits, missing tests and files, ids that are not kebab-case', () => {
    assert.deepEqual(
      catalogueProblems(
        [
          mutant(),
          mutant(),
          mutant({ id: 'same', replacement: 'i < n' }),
          mutant({ id: 'none', tests: [] }),
          mutant({ id: 'gone', file: 'src/gone.ts', tests: ['test/gone.test.ts'] }),
          mutant({ id: 'Bad_Id' }),
        ],
        exists,
      ),
      [
        "mutant 'off-by-one' is listed twice",
        "mutant 'same' changes nothing",
        "mutant 'none' names no test",
        "mutant 'gone': src/gone.ts does not exist",
        "mutant 'gone': its test test/gone.test.ts does not exist",
        "mutant 'Bad_Id': the id must be kebab-case",
      ],
    );
  });
});

describe('score', () => {
  const result = (outcome: MutantResult['outcome'], id: string = outcome): MutantResult => ({ mutant: mutant({ id }), outcome, seconds: 1 });

  test('caught and timed out count as caught; every other outcome fails the run', () => {
    const s = score([result('caught'), result('timeout'), result('survived'), result('stale'), result('invalid'), result('unverified')]);
    assert.equal(s.caught, 2);
    assert.equal(s.total, 6);
    assert.equal(s.percent, 33.3);
    assert.deepEqual(
      s.failures.map((r) => r.outcome),
      ['survived', 'stale', 'invalid', 'unverified'],
    );
  });

  test('all caught: 100%, no failures', () => {
    assert.deepEqual(score([result('caught', 'a'), result('caught', 'b')]), { caught: 2, total: 2, percent: 100, failures: [] });
  });
});

describe('verdict: the score line, and a survivor fails the command', () => {
  const result = (outcome: MutantResult['outcome'], id: string): MutantResult => ({ mutant: mutant({ id }), outcome, seconds: 1 });

  test('all caught: exit code 0, one line', () => {
    assert.deepEqual(verdict(score([result('caught', 'a'), result('timeout', 'b')]), 3.42, 2), {
      lines: ['2 of 2 mutants caught: 100% (3.4 min, 2 at a time)'],
      exitCode: 0,
    });
  });

  test('with the CPU time, the minutes it would take on idle cores', () => {
    assert.equal(verdict(score([result('caught', 'a')]), 20, 2, 9).lines[0], '1 of 1 mutants caught: 100% (20.0 min, 2 at a time; 9.0 min of CPU, about 4.5 min on 2 idle core(s))');
  });

  test('one survivor: exit code 1, naming the mutant, its bug and the tests that missed it', () => {
    const v = verdict(score([result('caught', 'a'), result('survived', 'b')]), 1, 2);
    assert.equal(v.exitCode, 1);
    assert.deepEqual(v.lines, [
      '1 of 2 mutants caught: 50% (1.0 min, 2 at a time)',
      '',
      '1 mutant(s) FAIL the suite:',
      '  SURVIVED b (src/x.ts): one too many — not caught by test/x.test.ts',
    ]);
  });

  test('unverified and invalid fail it too, with their reason', () => {
    const v = verdict(score([{ ...result('unverified', 'u'), detail: 'its tests fail without the mutant' }, { ...result('invalid', 'i'), detail: 'does not compile' }]), 1, 1);
    assert.equal(v.exitCode, 1);
    assert.deepEqual(v.lines.slice(3), ['  UNVERIFIED u (src/x.ts): its tests fail without the mutant', '  INVALID i (src/x.ts): does not compile']);
  });
});

test('firstFailingTest: the innermost failing test of a TAP report', () => {
  const tap = [
    '# Subtest: FileSink two-phase commit',
    '    # Subtest: a part stays hidden',
    '    ok 1 - a part stays hidden',
    '    # Subtest: completing n commits n',
    '    not ok 2 - completing n commits n',
    'not ok 1 - FileSink two-phase commit',
  ].join('\n');
  assert.equal(firstFailingTest(tap), 'completing n commits n');
  assert.equal(firstFailingTest('ok 1 - fine\n'), undefined);
});

describe('the catalogue against the code as it is', () => {
  // A change that moves code a mutant names must update the mutant in the same change: the
  // full mutant run is too slow for every change, this check is not.
  test('every mutant in the catalogue applies to the current code', async () => {
    const { MUTANTS } = await import('../../mutants/catalogue.js');
    const repo = fileURLToPath(new URL('../../', import.meta.url));
    assert.deepEqual(staleMutants(MUTANTS, (f) => readFileSync(join(repo, f), 'utf8')).map((r) => r.mutant.id), []);
  });
});
