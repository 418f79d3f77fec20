/**
 * What a mutant is, and the pure parts of running them: applying one to a file's text, checking
 * the catalogue, and judging a run. The I/O (scratch copies, tsc, test processes) is in run.ts.
 */

/**
 * One plausible bug in code that guards user data: an exact snippet of a file and what it
 * becomes, with the test files that must fail when it is in. A reviewer reads it as a diff.
 */
export interface Mutant {
  /** Stable kebab-case name; `npm run mutants -- <id>` runs this one. */
  readonly id: string;
  /** The guarantee it breaks (the report groups by it). */
  readonly area: string;
  /** The file, relative to the repository root. */
  readonly file: string;
  /** The exact original text; it must occur exactly once in the file. */
  readonly original: string;
  readonly replacement: string;
  /** One line: the bug this models, as a user would suffer it. */
  readonly bug: string;
  /** Test files (from the repository root) that must catch it: at least one must fail. */
  readonly tests: readonly string[];
  /** Runs only the tests whose names match (node's `--test-name-pattern`), to keep the run short. */
  readonly testNamePattern?: string;
}

/** The result of applying a mutant's edit to the text of its file. */
export type Applied = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly problem: string };

/** Replaces the mutant's one occurrence of `original` in `text`; refuses none or several (the code moved). */
export function applyMutant(mutant: Mutant, text: string): Applied {
  const at = text.indexOf(mutant.original);
  if (at < 0) return { ok: false, problem: `its original snippet is no longer in ${mutant.file} (the code moved): update the mutant` };
  if (text.indexOf(mutant.original, at + 1) >= 0) {
    return { ok: false, problem: `its original snippet occurs more than once in ${mutant.file}: make it longer so it names one place` };
  }
  return { ok: true, text: text.slice(0, at) + mutant.replacement + text.slice(at + mutant.original.length) };
}

/** Problems of the catalogue itself (one line each): duplicate ids, empty edits, no tests. */
export function catalogueProblems(mutants: readonly Mutant[], exists: (path: string) => boolean): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const m of mutants) {
    if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(m.id)) problems.push(`mutant '${m.id}': the id must be kebab-case`);
    if (seen.has(m.id)) problems.push(`mutant '${m.id}' is listed twice`);
    seen.add(m.id);
    if (m.original === m.replacement) problems.push(`mutant '${m.id}' changes nothing`);
    if (m.original.length === 0) problems.push(`mutant '${m.id}' has an empty original snippet`);
    if (m.tests.length === 0) problems.push(`mutant '${m.id}' names no test`);
    if (!exists(m.file)) problems.push(`mutant '${m.id}': ${m.file} does not exist`);
    for (const t of m.tests) if (!exists(t)) problems.push(`mutant '${m.id}': its test ${t} does not exist`);
  }
  return problems;
}

/**
 * What became of a mutant: `caught` (a test failed), `timeout` (the tests hung; counted as
 * caught, as mutation tools do), `survived` (every test passed), `stale` (it no longer applies),
 * `invalid` (the mutated code does not compile), `unverified` (its tests fail without it too).
 */
export type Outcome = 'caught' | 'timeout' | 'survived' | 'stale' | 'invalid' | 'unverified';

export interface MutantResult {
  readonly mutant: Mutant;
  readonly outcome: Outcome;
  /** The first failing test's name, a compiler error, or why it does not apply. */
  readonly detail?: string;
  readonly seconds: number;
}

export interface Score {
  readonly caught: number;
  readonly total: number;
  /** Caught over the mutants that ran (0–100, floored to one decimal). */
  readonly percent: number;
  /** Results that fail the command: survivors and every mutant that could not be judged. */
  readonly failures: readonly MutantResult[];
}

/** What the runner saw of one mutant, step by step; a step it did not get to is left out. */
export interface Observed {
  /** Its tests passed without any mutant. */
  readonly baselinePassed: boolean;
  readonly applied?: Applied;
  readonly build?: { readonly ok: boolean; readonly output: string };
  readonly test?: { readonly code: number | null; readonly timedOut: boolean; readonly output: string };
}

/** The verdict on one mutant from what was observed (run.ts stops at the first step that decides). */
export function judge(o: Observed): { readonly outcome: Outcome; readonly detail?: string } {
  if (!o.baselinePassed) return { outcome: 'unverified', detail: 'its tests fail without the mutant (see above)' };
  if (o.applied === undefined) throw new Error('judge: a mutant with passing tests must have been applied');
  if (!o.applied.ok) return { outcome: 'stale', detail: o.applied.problem };
  if (o.build === undefined) throw new Error('judge: an applied mutant must have been built');
  if (!o.build.ok) return { outcome: 'invalid', detail: `the mutated code does not compile: ${firstLines(o.build.output, 3)}` };
  if (o.test === undefined) throw new Error('judge: a mutant that builds must have been tested');
  if (o.test.timedOut) return { outcome: 'timeout', detail: 'its tests hung' };
  if (o.test.code === 0) return { outcome: 'survived' };
  return { outcome: 'caught', detail: firstFailingTest(o.test.output) ?? `exit code ${o.test.code}` };
}

/**
 * The mutants of `mutants` that no longer apply to their file's current text (`read` gives it),
 * judged stale before anything is built: a mutant whose code moved must fail the run, loudly,
 * never pass for want of a bug to catch.
 */
export function staleMutants(mutants: readonly Mutant[], read: (file: string) => string): MutantResult[] {
  const stale: MutantResult[] = [];
  for (const m of mutants) {
    const applied = applyMutant(m, read(m.file));
    if (!applied.ok) stale.push({ mutant: m, outcome: 'stale', detail: applied.problem, seconds: 0 });
  }
  return stale;
}

/** The score of a run; anything but caught (or timed out) fails it. */
export function score(results: readonly MutantResult[]): Score {
  const caught = results.filter((r) => r.outcome === 'caught' || r.outcome === 'timeout').length;
  const total = results.length;
  return {
    caught,
    total,
    percent: total === 0 ? 0 : Math.floor((1000 * caught) / total) / 10,
    failures: results.filter((r) => r.outcome !== 'caught' && r.outcome !== 'timeout'),
  };
}

/** The end of the report: the score, and one line per mutant that fails the run (exit code 1 if any). */
export function verdict(s: Score, minutes: number, jobs: number, cpuMinutes?: number): { readonly lines: readonly string[]; readonly exitCode: 0 | 1 } {
  // CPU time does not depend on what else the machine runs: over the job slots, it is about the wall time on idle cores.
  const cpu = cpuMinutes === undefined || jobs === 0 ? '' : `; ${cpuMinutes.toFixed(1)} min of CPU, about ${(cpuMinutes / jobs).toFixed(1)} min on ${jobs} idle core(s)`;
  const lines = [`${s.caught} of ${s.total} mutants caught: ${s.percent}% (${minutes.toFixed(1)} min, ${jobs} at a time${cpu})`];
  if (s.failures.length === 0) return { lines, exitCode: 0 };
  lines.push('', `${s.failures.length} mutant(s) FAIL the suite:`);
  for (const r of s.failures) {
    const why = r.outcome === 'survived' ? `${r.mutant.bug} — not caught by ${r.mutant.tests.join(', ')}` : r.detail;
    lines.push(`  ${r.outcome.toUpperCase()} ${r.mutant.id} (${r.mutant.file}): ${why}`);
  }
  return { lines, exitCode: 1 };
}

/** The first `n` non-blank lines of `text`, on one line. */
export function firstLines(text: string, n: number): string {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .slice(0, n)
    .join(' | ');
}

/**
 * The innermost failing test of node's TAP output: subtests are reported before the suite or
 * file that holds them, so the first `not ok` is the test itself.
 */
export function firstFailingTest(tap: string): string | undefined {
  const m = /^\s*not ok \d+ - (.*)$/m.exec(tap);
  return m?.[1]?.trim();
}
