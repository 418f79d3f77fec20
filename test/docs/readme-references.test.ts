/**
 * What README.md names in the repository and the product still exists: the files it points to,
 * the npm scripts it tells you to run, the options of each `flink` command its CLI headings
 * list, the configuration keys of its table, and the count of mutants it gives. Each of these
 * went stale before, silently, when the code moved; nothing here runs a job.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { MUTANTS } from '../../mutants/catalogue.js';
import { buildProgram } from '../../src/cli/main.js';
import { projectPackageJson } from '../../src/cli/project-template.js';
import { findOption } from '../../src/config/options.js';
import { REPO } from '../e2e/helpers.js';

const README = readFileSync(join(REPO, 'README.md'), 'utf8');
const LINES = README.split('\n');

/** Every `code span` of the README with its line (1-based). */
function codeSpans(): { text: string; line: number }[] {
  return LINES.flatMap((l, i) => [...l.matchAll(/`([^`\n]+)`/g)].map((m) => ({ text: m[1]!, line: i + 1 })));
}

/** Top-level folders of the repository a path in the README may start with. */
const REPO_DIRS = ['src', 'test', 'bench', 'jobs', 'mutants', 'build', 'bin', 'dashboard', 'docs', '.ci'];
/** src/'s parts, which the design chapters name without `src/` (`runtime/channel.ts`). */
const SRC_PARTS = ['api', 'checkpoint', 'cli', 'cluster', 'config', 'connectors', 'graph', 'metadata', 'runtime', 'state', 'state-processor', 'util', 'web', 'windowing'];

describe('what README.md names exists', () => {
  test('every repository path in a code span', () => {
    const missing: string[] = [];
    const at = new RegExp(`(?:^|[\\s(])((?:${REPO_DIRS.map((d) => d.replace('.', '\\.')).join('|')})/[\\w./-]*)`, 'g');
    const inSrc = new RegExp(`(?:^|[\\s(])((?:${SRC_PARTS.join('|')})/[\\w./-]*\\.ts)\\b`, 'g');
    for (const { text, line } of codeSpans()) {
      // A placeholder (`bench/<name>.bench.ts`, `format-<n>/`) names no one file.
      if (/[<*…]/.test(text)) continue;
      for (const m of text.matchAll(at)) {
        const path = m[1]!.replace(/[.,:)]+$/, '');
        if (!existsSync(join(REPO, path))) missing.push(`README.md:${line}: ${path}`);
      }
      for (const m of text.matchAll(inSrc)) {
        if (!existsSync(join(REPO, 'src', m[1]!))) missing.push(`README.md:${line}: src/${m[1]}`);
      }
    }
    assert.deepEqual(missing, []);
  });

  test("every `npm run <script>`: this repository's scripts, or a flink init project's", () => {
    const own = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    const project = (JSON.parse(projectPackageJson('p', 'file:x.tgz', { version: '0.1.0' })) as { scripts: Record<string, string> }).scripts;
    const named = [...README.matchAll(/npm run ([\w:-]+)/g)].map((m) => m[1]!);
    assert.ok(named.length > 10, 'the scripts were found');
    assert.deepEqual([...new Set(named)].filter((s) => !(s in own) && !(s in project)), []);
  });

  test("every option a CLI heading lists is one of its command's", () => {
    const program = buildProgram(() => {});
    const headings = LINES.filter((l) => l.startsWith('### `flink '));
    assert.ok(headings.length >= 10, 'the CLI headings were found');
    const problems: string[] = [];
    for (const heading of headings) {
      for (const usage of heading.matchAll(/`flink ([a-z]+)([^`]*)`/g)) {
        const command = program.commands.find((c) => c.name() === usage[1]);
        if (!command) {
          problems.push(`${heading}: no command ${usage[1]}`);
          continue;
        }
        const flags = new Set(command.options.flatMap((o) => [o.short, o.long]).filter((f): f is string => f !== undefined));
        for (const flag of usage[2]!.matchAll(/(?:^|[\s[])(--?[a-zA-Z][\w-]*)/g)) if (!flags.has(flag[1]!)) problems.push(`flink ${usage[1]}: ${flag[1]}`);
      }
    }
    assert.deepEqual(problems, []);
  });

  test('every key of the configuration table is a key flink-ts reads', () => {
    const start = LINES.findIndex((l) => l.startsWith('| key | default | in effect |'));
    assert.ok(start > 0, 'the configuration table was found');
    const keys: string[] = [];
    for (let i = start + 2; LINES[i]?.startsWith('|'); i++) keys.push(/^\| `([^`]+)`/.exec(LINES[i]!)![1]!);
    assert.ok(keys.length >= 20, `its rows were read (${keys.length})`);
    assert.deepEqual(keys.filter((k) => findOption(k) === undefined), []);
  });

  test('the number of mutants is the catalogue’s', () => {
    const said = /`npm run mutants -- --list` shows them all \((\d+)\)/.exec(README);
    assert.ok(said, 'the README gives the count');
    assert.equal(Number(said[1]), MUTANTS.length);
  });
});
