import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));

/**
 * Which parts each part may import: exactly the parts table of the architecture (README
 * "Design"), bottom to top; imports point down, never up. Parts listed here may not exist yet.
 */
const ALLOWED: Record<string, readonly string[]> = {
  util: [],
  config: ['util'],
  metadata: ['util'],
  state: ['util'],
  graph: ['state', 'util'],
  windowing: ['graph', 'state', 'util'],
  connectors: ['graph', 'state', 'util'],
  runtime: ['graph', 'windowing', 'state', 'util'],
  api: ['util', 'config', 'metadata', 'state', 'graph', 'windowing', 'connectors', 'runtime'],
  checkpoint: ['state', 'graph', 'metadata', 'util'],
  'state-processor': ['util', 'state', 'graph', 'windowing', 'runtime', 'api', 'checkpoint'],
  cluster: ['util', 'config', 'metadata', 'state', 'graph', 'windowing', 'connectors', 'runtime', 'api', 'checkpoint'],
  web: ['checkpoint', 'metadata', 'config', 'util'],
  cli: ['cluster', 'web', 'checkpoint', 'metadata', 'config', 'api', 'util'],
};

/**
 * The parts table of README's "Design" as `ALLOWED` reads it: a row's "may import" is `nothing`,
 * the parts it names, or "every part before it" (but those it names after "but").
 */
function readmePartsTable(): Record<string, string[]> {
  const lines = readFileSync(new URL('../README.md', import.meta.url), 'utf8').split('\n');
  const start = lines.findIndex((l) => l.startsWith('| part | owns | may import |'));
  assert.ok(start > 0, "README's parts table was found");
  const table: Record<string, string[]> = {};
  for (let i = start + 2; lines[i]?.startsWith('|'); i++) {
    const cells = lines[i]!.split(' | ');
    const part = /`([\w-]+)\/`/.exec(cells[0]!)![1]!;
    const mayImport = cells[cells.length - 1]!;
    const named = [...mayImport.matchAll(/`([\w-]+)\/`/g)].map((m) => m[1]!);
    table[part] = mayImport.startsWith('nothing') ? [] : mayImport.startsWith('every part before it') ? Object.keys(table).filter((p) => !named.includes(p)) : named;
  }
  return table;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts')).map((f) => join(dir, f));
}

/** Static imports only: `import(...)` inside functions is how commands load lazily. */
function staticImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const fromImports = [...text.matchAll(/^(?:import|export)\s[^;]*?from\s+'([^']+)'/gms)].map((m) => m[1]!);
  const bareImports = [...text.matchAll(/^import\s+'([^']+)'/gm)].map((m) => m[1]!);
  return [...fromImports, ...bareImports];
}

function partOf(file: string): string {
  return relative(SRC, file).split('/')[0]!;
}

test('every folder under src/ is a part of the architecture', () => {
  const folders = readdirSync(SRC, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
  assert.deepEqual(folders.filter((f) => !(f in ALLOWED)), []);
});

test("README's parts table says what ALLOWED says", () => {
  const sorted = (t: Record<string, readonly string[]>) => Object.fromEntries(Object.entries(t).map(([k, v]) => [k, [...v].sort()]));
  assert.deepEqual(sorted(readmePartsTable()), sorted(ALLOWED));
});

test('imports between parts follow the layering', () => {
  const violations: string[] = [];
  for (const file of sourceFiles(SRC)) {
    const part = partOf(file);
    if (part.endsWith('.ts')) continue; // src/index.ts wires the package together
    for (const spec of staticImports(file)) {
      if (!spec.startsWith('.')) continue;
      const target = partOf(resolve(dirname(file), spec));
      if (target !== part && !ALLOWED[part]?.includes(target)) violations.push(`${relative(SRC, file)} imports ${target}/ (${spec})`);
    }
  }
  assert.deepEqual(violations, []);
});

test('list, cancel and web load neither tsx, esbuild, the job file hooks nor the engine (static import closure)', () => {
  for (const entry of ['cli/main.ts', 'cli/commands/list.ts', 'cli/commands/cancel.ts', 'cli/commands/web.ts']) {
    const seen = new Set<string>();
    const external = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const spec of staticImports(file)) {
        if (spec.startsWith('.')) visit(resolve(dirname(file), spec).replace(/\.js$/, '.ts'));
        else external.add(spec);
      }
    };
    visit(join(SRC, entry));
    const engine = [...seen].map((f) => relative(SRC, f)).filter((f) => /^(runtime|api|graph|connectors|state)\//.test(f));
    assert.deepEqual(engine, [], `${entry} statically loads engine modules`);
    assert.ok(![...external].some((e) => e.startsWith('tsx')), `${entry} statically loads tsx`);
    assert.ok(![...external].some((e) => e.startsWith('esbuild')), `${entry} statically loads esbuild`);
    const hooks = [...seen].map((f) => relative(SRC, f)).filter((f) => /^cluster\/(job-file-hooks|ts-compile|compile-cache|job-loader)\.ts$/.test(f));
    assert.deepEqual(hooks, [], `${entry} statically loads the job file's loader`);
  }
});
