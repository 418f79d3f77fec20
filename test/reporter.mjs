/**
 * The test reporter of `npm test`: one line per test file as it ends, every failure in full
 * (its test's path and the error with its stack) the moment it happens, and at the end the
 * runner's summary as node's spec reporter prints it, the failures again in short, and one plain
 * closing line (`tests: N passed, N failed, N skipped`). Node's default on a pipe is TAP, a line
 * or more per test and suite: thousands of lines in which a failure is hard to find.
 *
 *   node --import tsx --test --test-reporter=./test/reporter.mjs --test-reporter-destination=stdout …
 */
import { relative } from 'node:path';
import { inspect } from 'node:util';

// Plain JavaScript: node loads a reporter before any --import hook, so tsx cannot compile it.

/** @param {string | undefined} file */
const fileName = (file) => (file === undefined ? '(no file)' : relative(process.cwd(), file));

/** Node wraps an assertion in ERR_TEST_FAILURE; the cause is what the test threw. */
function describeError(error) {
  const e = /** @type {{ code?: string; cause?: unknown } | undefined} */ (error);
  const thrown = e?.code === 'ERR_TEST_FAILURE' && e.cause !== undefined ? e.cause : error;
  return inspect(thrown, { depth: 4, colors: false })
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
}

/** How much of a failed file's stderr is shown. */
const STDERR_LINES = 40;

/** @param {number | undefined} ms */
const seconds = (ms) => `${((ms ?? 0) / 1000).toFixed(1)} s`;

/** @param {AsyncIterable<{ type: string; data?: any }>} source */
export default async function* reporter(source) {
  /** The names of the suites each test is in, by file and nesting level. */
  /** @type {Map<string, string[]>} */
  const open = new Map();
  /** @type {string[]} */
  const failures = [];
  /** @type {string[]} */
  const summary = [];
  /** @type {Map<string, string[]>} */
  const stderr = new Map();
  for await (const event of source) {
    const d = event.data ?? {};
    const file = fileName(d.file);
    switch (event.type) {
      case 'test:start': {
        const path = open.get(file) ?? [];
        path.length = d.nesting ?? 0;
        path.push(d.name ?? '');
        open.set(file, path);
        break;
      }
      case 'test:stderr': {
        // Kept for a file that fails by itself (crashes at import, exits early): its stderr says why.
        const lines = stderr.get(file) ?? [];
        lines.push(...String(d.message ?? '').replace(/\n$/, '').split('\n'));
        stderr.set(file, lines.slice(-STDERR_LINES));
        break;
      }
      case 'test:pass':
      case 'test:fail': {
        // A file's own result: see test:complete.
        if (d.nesting === 0 && d.name === d.file) break;
        if (d.details?.type === 'suite') {
          if (event.type === 'test:fail' && isFailureOfItsOwn(d.details?.error)) {
            const title = `${file} › ${d.name ?? ''}`;
            failures.push(title);
            yield `✖ FAILED ${title}\n${describeError(d.details?.error)}\n`;
          }
          break;
        }
        if (event.type === 'test:pass') break;
        const path = [...(open.get(file) ?? []).slice(0, d.nesting ?? 0), d.name ?? ''];
        const title = `${file} › ${path.join(' › ')}`;
        failures.push(title);
        yield `✖ FAILED ${title} (${seconds(d.details?.duration_ms)})\n${describeError(d.details?.error)}\n`;
        break;
      }
      case 'test:complete':
        // A file ends: said at once, in the order files end. Its tests are reported in the order
        // of the files, so they may come later (a failure is shown in full when it does).
        if (d.nesting === 0 && d.name === d.file) {
          if (d.details?.passed !== false) {
            yield `✔ ${file} (${seconds(d.details?.duration_ms)})\n`;
          } else if (isFailureOfItsOwn(d.details?.error)) {
            failures.push(`${file} (the file itself)`);
            const why = (stderr.get(file) ?? []).map((l) => `    ${l}`).join('\n');
            yield `✖ FAILED ${file}: the file itself failed${why ? `; its stderr ends:\n${why}` : ''}\n${describeError(d.details?.error)}\n`;
          } else {
            yield `✖ ${file}: failed (${seconds(d.details?.duration_ms)})\n`;
          }
          stderr.delete(file);
        }
        break;
      case 'test:diagnostic':
        // The run's summary (tests, suites, pass, fail, …) comes as top-level diagnostics.
        if (d.nesting === 0 && d.file === undefined) summary.push(`ℹ ${d.message ?? ''}`);
        break;
      default:
        break;
    }
  }
  yield `\n${summary.join('\n')}\n`;
  if (failures.length > 0) yield `\nFailed:\n${failures.map((f) => `  ✖ ${f}`).join('\n')}\n`;
  /** @param {string} name */
  const count = (name) => Number(summary.find((l) => l.startsWith(`ℹ ${name} `))?.split(' ')[2] ?? 0);
  yield `\ntests: ${count('pass')} passed, ${count('fail')} failed, ${count('skipped') + count('todo')} skipped\n`;
}

/** Errors a suite or file reports because its tests failed carry no news; others (a hook, a crash) do. */
/** @param {unknown} error */
function isFailureOfItsOwn(error) {
  const e = /** @type {{ failureType?: string } | undefined} */ (error);
  return e?.failureType !== 'subtestsFailed';
}
