/*
 * The pure parts of the mutant runner (mutants/mutant.ts): applying a mutant refuses a snippet
 * that is gone or ambiguous (the code moved, loudly), the catalogue's own checks, the score
 * (anything but caught fails the run), and reading the failing test from node's TAP output.
 * The mutants themselves run with `npm run mutants`, not here.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Mutant, type MutantResult, applyMutant, catalogueProblems, firstFailingTest, score } from '../../mutants/mutant.js';

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
