/**
 * `npm run mutants [-- [--jobs N] [--list] [--check] [--keep] [--tests a.test.ts,b.test.ts] [id ...]]`:
 * runs the mutant suite (catalogue.ts), or the mutants named. `--check` only checks that every
 * mutant still applies to the code (seconds, nothing built); `--tests` runs the mutants against
 * other test files than their own (does the rest of the suite catch this one?); `--keep` leaves
 * the scratch copies in place. A mutant whose snippet is gone or ambiguous is "stale" and fails
 * the run; stale ones are reported before anything is built.
 *
 * The working tree is never touched: its files (tracked and untracked, not ignored) are copied
 * into one scratch directory per job slot under the system's temp directory, with node_modules
 * linked. Each slot builds once as `npm run build` does (tsc incremental, then the bundles); then,
 * per mutant, the slot's copy of the file is edited, it rebuilds (so a mutant is a program that
 * compiles, and e2e tests run it from dist/), the mutant's tests run, and the file is put back. Before any mutant, each
 * distinct set of tests runs once unmutated: a test that fails without a mutant would make a
 * mutant look caught. Prints each result, the score, and exits 1 unless every mutant was caught.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MUTANTS } from './catalogue.js';
import { type Mutant, type MutantResult, type Observed, applyMutant, catalogueProblems, firstFailingTest, firstLines, judge, score, staleMutants, verdict } from './mutant.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** A mutant's tests may run this many times as long as unmutated before they count as hung. */
const TIMEOUT_FACTOR = 4;
const MIN_TIMEOUT_MS = 120_000;
const BUILD_INFO = '.mutants.tsbuildinfo';

interface Options {
  readonly ids: readonly string[];
  readonly jobs: number;
  readonly list: boolean;
  readonly check: boolean;
  readonly keep: boolean;
  /** Test files to run instead of each mutant's own. */
  readonly tests: readonly string[] | undefined;
}

function parseArgs(argv: readonly string[]): Options {
  const ids: string[] = [];
  let jobs = 2;
  let list = false;
  let check = false;
  let keep = false;
  let tests: string[] | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--list') list = true;
    else if (a === '--check') check = true;
    else if (a === '--keep') keep = true;
    else if (a === '--tests') tests = (argv[++i] ?? '').split(',').filter(Boolean);
    else if (a === '--jobs' || a === '-j') {
      jobs = Number(argv[++i]);
      if (!Number.isInteger(jobs) || jobs < 1) fail(`--jobs takes a whole number of at least 1, got ${argv[i]}.`);
    } else if (a.startsWith('-')) fail(`Unknown option ${a}; use --jobs N, --list, --check, --keep, --tests a,b, or mutant ids.`);
    else ids.push(a);
  }
  if (tests?.length === 0) fail('--tests takes test files separated by commas.');
  return { ids, jobs, list, check, keep, tests };
}

function fail(line: string): never {
  process.stderr.write(`${line}\n`);
  process.exit(1);
}

/** A child process run to its end (or killed, with its whole process group, at the timeout). */
interface Finished {
  readonly code: number | null;
  readonly output: string;
  readonly timedOut: boolean;
  readonly seconds: number;
}

const running = new Set<ChildProcess>();

function run(args: readonly string[], cwd: string, timeoutMs: number): Promise<Finished> {
  const started = performance.now();
  const env = { ...process.env };
  // A test runner's context must not leak into the tests it starts.
  delete env.NODE_TEST_CONTEXT;
  const child = spawn(process.execPath, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup(child);
  }, timeoutMs);
  return new Promise((done) => {
    child.on('close', (code) => {
      clearTimeout(timer);
      running.delete(child);
      done({ code, output, timedOut, seconds: (performance.now() - started) / 1000 });
    });
  });
}

function killGroup(child: ChildProcess): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/**
 * CPU minutes of this process and every child it waited for (tsc, the tests and what they
 * spawned), from /proc on Linux; undefined elsewhere.
 */
function cpuMinutes(): number | undefined {
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
    // utime, stime, cutime, cstime are fields 14–17 of stat(5); the split above starts at field 3.
    const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0);
    const hz = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isFinite(ticks) && hz > 0 ? ticks / hz / 60 : undefined;
  } catch {
    return undefined;
  }
}

/** One scratch copy of the repository; runs one mutant at a time. */
class Slot {
  constructor(readonly dir: string) {}

  static create(root: string, index: number, files: readonly string[]): Slot {
    const dir = join(root, `slot-${index}`);
    for (const f of files) {
      const from = join(REPO, f);
      if (!existsSync(from)) continue; // deleted in the working tree
      mkdirSync(dirname(join(dir, f)), { recursive: true });
      cpSync(from, join(dir, f));
    }
    symlinkSync(realpathSync(join(REPO, 'node_modules')), join(dir, 'node_modules'), 'dir');
    return new Slot(dir);
  }

  /**
   * `npm run build`'s two steps: tsc over src/ (it type-checks, and writes the declarations;
   * incremental: after the first build, only what changed), then the bundles of dist/ (esbuild,
   * a second or two).
   */
  async build(): Promise<Finished> {
    const tsc = join(this.dir, 'node_modules', 'typescript', 'bin', 'tsc');
    const checked = await run([tsc, '-p', 'tsconfig.build.json', '--incremental', '--tsBuildInfoFile', BUILD_INFO, '--pretty', 'false'], this.dir, 300_000);
    if (checked.code !== 0 || checked.timedOut) return checked;
    const bundled = await run([join(this.dir, 'build', 'bundle.mjs')], this.dir, 120_000);
    return { ...bundled, output: checked.output + bundled.output, seconds: checked.seconds + bundled.seconds };
  }

  test(m: Pick<Mutant, 'tests' | 'testNamePattern'>, timeoutMs: number): Promise<Finished> {
    const pattern = m.testNamePattern === undefined ? [] : [`--test-name-pattern=${m.testNamePattern}`];
    return run(['--import', 'tsx', '--test', '--test-reporter=tap', ...pattern, ...m.tests], this.dir, timeoutMs);
  }

  read(file: string): string {
    return readFileSync(join(this.dir, file), 'utf8');
  }

  write(file: string, text: string): void {
    writeFileSync(join(this.dir, file), text);
  }
}

/** Runs `work` over `items` with each slot taking the next item when it is free. */
async function onSlots<T>(slots: readonly Slot[], items: readonly T[], work: (item: T, slot: Slot) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    slots.map(async (slot) => {
      while (next < items.length) await work(items[next++]!, slot);
    }),
  );
}

/** The tests of a mutant as one invocation, so mutants sharing tests share a baseline run. */
function invocationKey(m: Pick<Mutant, 'tests' | 'testNamePattern'>): string {
  return JSON.stringify([[...m.tests].sort(), m.testNamePattern ?? null]);
}

const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));

function report(r: MutantResult): void {
  const label = r.outcome === 'caught' ? 'caught' : r.outcome === 'timeout' ? 'caught (timeout)' : r.outcome.toUpperCase();
  const detail = r.outcome === 'caught' ? `by: ${r.detail ?? 'a failing test'}` : r.outcome === 'survived' ? r.mutant.bug : (r.detail ?? '');
  process.stdout.write(`${pad(label, 17)} ${pad(r.mutant.id, 40)} ${pad(`${r.seconds.toFixed(1)} s`, 8)} ${detail}\n`);
}

async function main(): Promise<number> {
  const opts = parseArgs(process.argv.slice(2));
  const problems = catalogueProblems(MUTANTS, (p) => existsSync(join(REPO, p)));
  if (problems.length > 0) fail(`The mutant catalogue (mutants/catalogue.ts) is broken:\n  ${problems.join('\n  ')}`);
  if (opts.list) {
    for (const m of MUTANTS) process.stdout.write(`${pad(m.id, 40)} ${pad(m.area, 28)} ${m.file}\n    ${m.bug}\n`);
    return 0;
  }
  const unknown = opts.ids.filter((id) => !MUTANTS.some((m) => m.id === id));
  if (unknown.length > 0) fail(`No mutant ${unknown.map((u) => `'${u}'`).join(', ')}; \`npm run mutants -- --list\` lists them.`);
  const chosen = opts.ids.length > 0 ? MUTANTS.filter((m) => opts.ids.includes(m.id)) : MUTANTS;
  const override = opts.tests;
  const selected = override ? chosen.map((m): Mutant => ({ ...m, tests: override, testNamePattern: undefined })) : chosen;
  const missing = (override ?? []).filter((t) => !existsSync(join(REPO, t)));
  if (missing.length > 0) fail(`No test file ${missing.join(', ')}.`);

  // Stale mutants fail the run, but are found before anything is built.
  const stale = staleMutants(selected, (file) => readFileSync(join(REPO, file), 'utf8'));
  for (const r of stale) report(r);
  if (opts.check) {
    process.stdout.write(`${selected.length - stale.length} of ${selected.length} mutant(s) apply to the current code.\n`);
    return stale.length === 0 ? 0 : 1;
  }
  const runnable = selected.filter((m) => !stale.some((r) => r.mutant === m));
  if (runnable.length === 0) {
    const end = verdict(score(stale), 0, 0);
    process.stdout.write(`\n${end.lines.join('\n')}\n`);
    return end.exitCode;
  }

  const started = performance.now();
  const root = mkdtempSync(join(tmpdir(), 'flink-mutants-'));
  const cleanUp = () => {
    for (const c of running) killGroup(c);
    if (!opts.keep) rmSync(root, { recursive: true, force: true });
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      cleanUp();
      process.exit(130);
    });
  }
  try {
    const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: REPO, encoding: 'utf8', maxBuffer: 1 << 26 })
      .split('\0')
      .filter(Boolean);
    const slots = Array.from({ length: Math.min(opts.jobs, runnable.length) }, (_, i) => Slot.create(root, i, files));
    process.stdout.write(`${runnable.length} mutant(s), ${slots.length} at a time, in scratch copies under ${root}\n`);

    const builds = await Promise.all(slots.map((s) => s.build()));
    const broken = builds.find((b) => b.code !== 0);
    if (broken) fail(`The unmutated code does not build, so no mutant can be judged:\n${broken.output}`);

    // Baseline: every distinct test invocation, unmutated, must pass.
    const invocations = new Map<string, Pick<Mutant, 'tests' | 'testNamePattern'>>();
    for (const m of runnable) invocations.set(invocationKey(m), m);
    const baseline = new Map<string, Finished>();
    await onSlots(slots, [...invocations], async ([key, m], slot) => {
      baseline.set(key, await slot.test(m, 600_000));
    });
    const failingBaselines = [...baseline].filter(([, f]) => f.code !== 0);
    const baselineSeconds = [...baseline.values()].reduce((s, f) => s + f.seconds, 0);
    process.stdout.write(`baseline: ${invocations.size} test run(s) pass unmutated? ${failingBaselines.length === 0 ? 'yes' : 'NO'} (${baselineSeconds.toFixed(0)} s of test time)\n\n`);
    for (const [key, f] of failingBaselines) {
      process.stdout.write(`FAILING WITHOUT ANY MUTANT: ${key}${f.timedOut ? ' (timed out)' : ''}: ${firstFailingTest(f.output) ?? firstLines(f.output, 5)}\n`);
    }

    // Longest tests first, so the slots finish together.
    const order = [...runnable].sort((a, b) => baseline.get(invocationKey(b))!.seconds - baseline.get(invocationKey(a))!.seconds);
    const results = new Map<string, MutantResult>();
    await onSlots(slots, order, async (m, slot) => {
      const result = await runMutant(m, slot, baseline.get(invocationKey(m))!);
      results.set(m.id, result);
      report(result);
    });

    for (const r of stale) results.set(r.mutant.id, r);
    const s = score(selected.map((m) => results.get(m.id)!));
    const end = verdict(s, (performance.now() - started) / 60_000, slots.length, cpuMinutes());
    process.stdout.write(`\n${end.lines.join('\n')}\n`);
    return end.exitCode;
  } finally {
    cleanUp();
  }
}

async function runMutant(m: Mutant, slot: Slot, baseline: Finished): Promise<MutantResult> {
  const started = performance.now();
  const done = (o: Observed): MutantResult => ({ mutant: m, ...judge(o), seconds: (performance.now() - started) / 1000 });
  if (baseline.code !== 0) return done({ baselinePassed: false });
  const original = slot.read(m.file);
  const applied = applyMutant(m, original);
  if (!applied.ok) return done({ baselinePassed: true, applied });
  slot.write(m.file, applied.text);
  try {
    const b = await slot.build();
    const build = { ok: b.code === 0, output: b.output };
    if (!build.ok) return done({ baselinePassed: true, applied, build });
    const test = await slot.test(m, Math.max(MIN_TIMEOUT_MS, TIMEOUT_FACTOR * baseline.seconds * 1000));
    return done({ baselinePassed: true, applied, build, test });
  } finally {
    slot.write(m.file, original);
  }
}

process.exitCode = await main();
