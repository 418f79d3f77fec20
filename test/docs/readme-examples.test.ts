/**
 * README.md's TypeScript examples against the real API.
 *
 * Every ```ts block is type-checked, all in one compiler run over a project set up as `flink
 * init` makes one (test/docs/readme-typecheck.ts). How a block is checked is said by the comment
 * right before it (test/docs/readme-blocks.ts): a complete program compiles alone; a fragment
 * lists the names it continues from, declared in test/docs/readme-context.ts; an excerpt of a
 * repository file must be in that file. A block that says nothing and does not compile alone
 * fails, so no example goes unchecked.
 *
 * Complete programs that run a job are then run with the real `bin/flink run` (dist/, built),
 * each in a directory of its own with one FLINK_TS_HOME for all; paths under `/backups/` in an
 * example go under its directory. Where the README says what one prints or makes, that is
 * checked too (RUN_CHECKS).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { REPO, type RunResult, committedLines, freshHome, killLeftovers, linesOf, nonWarningLines, parseAttachedRun, removeTempDirs, runFlink, tempDir } from '../e2e/helpers.js';
import { type TsBlock, codeBlocks, runsAJob, tsBlocks } from './readme-blocks.js';
import { type TypecheckResult, contextExports, typecheckBlocks } from './readme-typecheck.js';

const README = readFileSync(join(REPO, 'README.md'), 'utf8');
const BLOCKS = tsBlocks(README);
const CONTEXT = contextExports();

after(async () => {
  await killLeftovers();
  removeTempDirs();
});

/** Whether `excerpt`'s lines appear, in a row, in `text` (indentation and blank lines aside). */
function containsExcerpt(text: string, excerpt: string): boolean {
  const norm = (s: string) => s.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const hay = norm(text);
  const needle = norm(excerpt);
  return hay.some((_, i) => needle.every((l, k) => hay[i + k] === l));
}

// ---------------------------------------------------------------------------------------------
// Running the complete examples.

/** The text "A job file" reads as `book.txt`, and the counts its job writes for it. */
const BOOK = 'To be, or not to be: that is the question.\nFlink it is.\n';
const BOOK_COUNTS = ['to,1', 'be,1', 'or,1', 'not,1', 'to,2', 'be,2', 'that,1', 'is,1', 'the,1', 'question,1', 'flink,1', 'it,1', 'is,2'];

const HOME = freshHome();

interface ExampleRun {
  readonly dir: string;
  readonly result: RunResult;
}

/** Runs a block as a job file `job.ts` in a directory of its own (`book.txt` beside it). */
async function runExample(block: TsBlock, runArgs: readonly string[] = []): Promise<ExampleRun> {
  const dir = tempDir();
  writeFileSync(join(dir, 'book.txt'), BOOK);
  writeFileSync(join(dir, 'job.ts'), block.code.replaceAll("'/backups/", `'${dir}/backups/`));
  const result = await runFlink(['run', ...runArgs, 'job.ts'], { cwd: dir, home: HOME, timeoutMs: 30_000 });
  const said = `README.md:${block.line} under flink run:\n${result.stdout.slice(-1500)}\n${result.stderr}`;
  assert.equal(result.code, 0, said);
  assert.deepEqual(nonWarningLines(result.stderr), [], said);
  return { dir, result };
}

/** The lines a program printed itself: stdout without `flink run`'s lines about its jobs. */
function printedLines(stdout: string): string[] {
  return linesOf(stdout).filter((l) => !/^Job (has been submitted with JobID|with JobID .* has finished\.$|Runtime: )/.test(l));
}

function blockOf(heading: string, contains: string): TsBlock {
  const found = BLOCKS.filter((b) => b.heading === heading && b.code.includes(contains));
  assert.equal(found.length, 1, `one README example under "${heading}" has ${contains}`);
  return found[0]!;
}

interface InfoJson {
  readonly operators: readonly {
    readonly uid: string;
    readonly keyedStates: Readonly<Record<string, { readonly kind: string; readonly keys: number }>>;
    readonly operatorStates: Readonly<Record<string, { readonly mode: string; readonly elements: number }>>;
    readonly timers: number;
  }[];
}

async function info(path: string): Promise<InfoJson> {
  const r = await runFlink(['info', path, '--json'], { home: HOME });
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as InfoJson;
}

/** What the README says a runnable example prints or makes; found by its heading and a piece of its code. */
interface RunCheck {
  readonly heading: string;
  readonly contains: string;
  check(run: ExampleRun): Promise<void>;
}

const SPA = 'Reading and writing savepoints (State Processor API)';

const RUN_CHECKS: readonly RunCheck[] = [
  {
    heading: 'A job file',
    contains: "readTextFile('book.txt')",
    async check({ dir, result }) {
      parseAttachedRun(result.stdout);
      assert.deepEqual(committedLines(join(dir, 'out', 'counts')), BOOK_COUNTS);
    },
  },
  {
    heading: 'Collecting results',
    contains: 'executeAndCollect(10)',
    async check({ result }) {
      // `[ 2, 4, 6 ]`, then each key's running sum as it comes, at parallelism 1 in input order.
      const sums = new Map<number, number>();
      const expected = Array.from({ length: 10_000 }, (_, i) => {
        const n = i + 1;
        sums.set(n % 4, (sums.get(n % 4) ?? 0) + n);
        return String(sums.get(n % 4));
      });
      assert.deepEqual(printedLines(result.stdout), ['[ 2, 4, 6 ]', ...expected]);
    },
  },
  {
    heading: SPA,
    contains: 'class WriteCounts extends KeyedStateBootstrapFunction',
    async check({ dir }) {
      // "then: flink run -s /backups/bootstrapped job.ts": the job of "A job file" counts on from 41.
      const job = await runExample(blockOf('A job file', "readTextFile('book.txt')"), ['-s', join(dir, 'backups', 'bootstrapped')]);
      assert.deepEqual(committedLines(join(job.dir, 'out', 'counts')), BOOK_COUNTS.map((l) => (l === 'flink,1' ? 'flink,42' : l)));
    },
  },
  {
    heading: SPA,
    contains: "env.execute('bootstrap windows')",
    async check({ dir }) {
      // Both clicks' windows under the job's uid, each with its trigger's timer and its cleanup timer.
      const [op, ...others] = (await info(join(dir, 'backups', 'clicks'))).operators;
      assert.deepEqual(others, []);
      assert.equal(op!.uid, 'clicks-per-minute');
      assert.deepEqual([op!.keyedStates['_window-contents']?.kind, op!.keyedStates['_window-contents']?.keys, op!.timers], ['aggregating', 2, 4]);
    },
  },
  {
    heading: SPA,
    contains: 'class WriteRules extends BroadcastStateBootstrapFunction',
    async check({ dir }) {
      const ops = (await info(join(dir, 'backups', 'bootstrapped'))).operators;
      assert.deepEqual(
        ops.map((o) => [o.uid, o.operatorStates]),
        [
          ['offsets', { offsets: { mode: 'split', elements: 3 } }],
          ['apply', { rules: { mode: 'broadcast', elements: 1 } }],
        ],
      );
    },
  },
];

// ---------------------------------------------------------------------------------------------

describe('README examples', () => {
  test('the TypeScript examples are ```ts blocks, and only they carry TypeScript', () => {
    assert.ok(BLOCKS.length >= 20, `the ts blocks were found (${BLOCKS.length})`);
    const elsewhere = codeBlocks(README).filter(
      (b) => b.lang !== 'ts' && (/^(typescript|tsx?|mts|js|javascript|jsx)$/.test(b.lang) || /from 'flink-ts'/.test(b.code)),
    );
    assert.deepEqual(
      elsewhere.map((b) => `README.md:${b.line} (${b.lang || 'no language'})`),
      [],
      'TypeScript is checked only in ts-fenced blocks: fence it so (output and pseudo-code are not ts)',
    );
  });

  test('every name readme-context.ts declares is one a fragment takes', () => {
    const used = new Set(BLOCKS.flatMap((b) => (b.check.kind === 'context' ? b.check.names : [])));
    assert.deepEqual([...CONTEXT.keys()].filter((n) => !used.has(n)), []);
  });

  test('every check of a run finds its example, and it is one that runs', () => {
    for (const c of RUN_CHECKS) {
      const block = blockOf(c.heading, c.contains);
      assert.ok(block.check.kind === 'complete' && block.check.run && runsAJob(block.code), `${block.title} is run`);
    }
  });

  let checked: TypecheckResult | undefined;
  before(() => {
    assert.ok(existsSync(join(REPO, 'dist', 'index.d.ts')), 'dist/ holds the built declarations (npm run build)');
    checked = typecheckBlocks(BLOCKS, REPO, tempDir());
  });

  test('the compiler finds nothing wrong outside the examples (readme-context.ts, the project)', () => {
    assert.deepEqual(checked!.other, []);
  });

  for (const block of BLOCKS) {
    test(block.title, () => {
      const check = block.check;
      if (check.kind === 'excerpt') {
        const file = join(REPO, check.file);
        assert.ok(existsSync(file), `README.md:${block.line}: the excerpt's file ${check.file} exists`);
        assert.ok(containsExcerpt(readFileSync(file, 'utf8'), block.code), `README.md:${block.line}: the block is not in ${check.file}, as its comment says`);
        return;
      }
      const problems = checked!.byBlock.get(block.index) ?? [];
      const listed = (what: string) => `${what}:\n  ${problems.join('\n  ')}`;
      if (check.kind === 'context') {
        const unknown = check.names.filter((n) => !CONTEXT.has(n));
        assert.deepEqual(unknown, [], `README.md:${block.line}: the context names what test/docs/readme-context.ts declares`);
        assert.equal(problems.length, 0, listed(`README.md:${block.line}: the fragment does not compile in its context (${check.names.join(', ')})`));
        return;
      }
      assert.equal(
        problems.length,
        0,
        listed(
          `README.md:${block.line}: the example does not compile alone. Fix it; or, if it continues from names defined elsewhere, ` +
            'say which in a comment right before it: <!-- example-context: env, clicks --> (declared in test/docs/readme-context.ts)',
        ),
      );
      if (!check.run) assert.ok(runsAJob(block.code), `README.md:${block.line}: example-not-run marks an example that runs a job`);
    });
  }

  for (const block of BLOCKS.filter((b) => b.check.kind === 'complete' && b.check.run && runsAJob(b.code))) {
    test(`runs: ${block.title}`, { timeout: 120_000 }, async () => {
      const run = await runExample(block);
      for (const c of RUN_CHECKS.filter((c) => c.heading === block.heading && block.code.includes(c.contains))) await c.check(run);
    });
  }
});
