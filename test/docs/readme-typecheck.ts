/**
 * Type-checks README.md's ```ts blocks in one compiler run, as a user's project would: a
 * throwaway directory with `flink init`'s tsconfig.json (strict, ES modules, NodeNext resolution)
 * and `node_modules/flink-ts` linked to this package, so `'flink-ts'` resolves through its
 * `exports` to the built declarations in dist/, as an installed flink-ts does.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { PROJECT_TSCONFIG } from '../../src/cli/project-template.js';
import type { TsBlock } from './readme-blocks.js';

/** The module of declarations fragments continue from (see its header). */
export const CONTEXT_FILE = fileURLToPath(new URL('./readme-context.ts', import.meta.url));

/** The names readme-context.ts exports, each a type (imported with `type`) or a value. */
export function contextExports(): Map<string, 'type' | 'value'> {
  const names = new Map<string, 'type' | 'value'>();
  for (const m of readFileSync(CONTEXT_FILE, 'utf8').matchAll(/^export (?:declare )?(const|function|class|interface|type) (\w+)/gm)) {
    names.set(m[2]!, m[1] === 'interface' || m[1] === 'type' ? 'type' : 'value');
  }
  return names;
}

/** What goes before a block's code in its file: the import of the names it continues from. */
function headerOf(block: TsBlock, context: ReadonlyMap<string, 'type' | 'value'>): string {
  if (block.check.kind !== 'context') return '';
  const names = block.check.names.filter((n) => context.has(n)).map((n) => (context.get(n) === 'type' ? `type ${n}` : n));
  return `import { ${names.join(', ')} } from './readme-context.js';\n`;
}

export interface TypecheckResult {
  /** Per block index: `README.md:<line>:<column>: TS<code>: <message>`. */
  readonly byBlock: ReadonlyMap<number, readonly string[]>;
  /** Diagnostics of anything else: readme-context.ts, the configuration. */
  readonly other: readonly string[];
}

/** Writes every block (excerpts aside) as a file of one project in `dir`, and type-checks it once. */
export function typecheckBlocks(blocks: readonly TsBlock[], repo: string, dir: string): TypecheckResult {
  const context = contextExports();
  const tsconfig = JSON.parse(PROJECT_TSCONFIG) as { compilerOptions: Record<string, unknown> };
  // Beyond `flink init`'s settings: the examples also compile under the repository's own
  // noImplicitOverride (`override open()`), which a user may well turn on.
  tsconfig.compilerOptions['noImplicitOverride'] = true;
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'readme-examples', private: true, type: 'module' }));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(repo, join(dir, 'node_modules', 'flink-ts'), 'dir');
  symlinkSync(join(repo, 'node_modules', '@types'), join(dir, 'node_modules', '@types'), 'dir');
  writeFileSync(join(dir, 'readme-context.ts'), readFileSync(CONTEXT_FILE, 'utf8'));
  const byFile = new Map<string, TsBlock>();
  for (const block of blocks) {
    if (block.check.kind === 'excerpt') continue;
    const file = `example-${String(block.index).padStart(2, '0')}.ts`;
    writeFileSync(join(dir, file), headerOf(block, context) + block.code);
    byFile.set(file, block);
  }

  // `tsc -p dir`, in this process, keeping every file's semantic diagnostics: tsc's command line
  // reports none at all once any file has a syntax error.
  const config = ts.getParsedCommandLineOfConfigFile(join(dir, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
  assert.ok(config, 'the project tsconfig.json reads');
  const program = ts.createProgram({ rootNames: config.fileNames, options: config.options });
  const diagnostics = [
    ...config.errors,
    ...program.getOptionsDiagnostics(),
    ...program.getGlobalDiagnostics(),
    ...program.getSyntacticDiagnostics(),
    ...program.getSemanticDiagnostics(),
  ];
  const byBlock = new Map<number, string[]>();
  const other: string[] = [];
  for (const d of diagnostics) {
    const message = `TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n  ')}`;
    const block = d.file ? byFile.get(basename(d.file.fileName)) : undefined;
    if (!d.file || d.start === undefined || !block) {
      other.push(d.file ? `${d.file.fileName}: ${message}` : message);
      continue;
    }
    const at = d.file.getLineAndCharacterOfPosition(d.start);
    const headerLines = headerOf(block, context).split('\n').length - 1;
    const list = byBlock.get(block.index) ?? [];
    list.push(`README.md:${block.line + at.line - headerLines}:${at.character + 1}: ${message}`);
    byBlock.set(block.index, list);
  }
  return { byBlock, other };
}
