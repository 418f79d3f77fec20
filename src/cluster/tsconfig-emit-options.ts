import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { TSCONFIG_ERROR_CODE } from './job-file-load-errors.js';

/**
 * The compiler options of a TypeScript file's nearest tsconfig.json (its `extends` chain
 * followed) that change the JavaScript emitted for it, in the shape esbuild's `tsconfigRaw`
 * takes. Type-checking options change nothing at run time and are left out, so editing them
 * keeps compiled files cached.
 */
export interface EmitCompilerOptions {
  useDefineForClassFields?: boolean;
  experimentalDecorators?: boolean;
  verbatimModuleSyntax?: boolean;
  preserveValueImports?: boolean;
  importsNotUsedAsValues?: 'remove' | 'preserve' | 'error';
  jsx?: 'preserve' | 'react-native' | 'react' | 'react-jsx' | 'react-jsxdev';
  jsxFactory?: string;
  jsxFragmentFactory?: string;
  jsxImportSource?: string;
}

export interface EmitOptions {
  /** The tsconfig.json that applies, or null when there is none up to the root. */
  readonly tsconfig: string | null;
  readonly tsconfigRaw: { readonly compilerOptions: EmitCompilerOptions };
}

const BOOLEAN_OPTIONS = ['experimentalDecorators', 'verbatimModuleSyntax', 'preserveValueImports'] as const;
const STRING_OPTIONS = ['jsxFactory', 'jsxFragmentFactory', 'jsxImportSource'] as const;
const JSX_VALUES = new Set(['preserve', 'react-native', 'react', 'react-jsx', 'react-jsxdev']);
const IMPORTS_NOT_USED_VALUES = new Set(['remove', 'preserve', 'error']);

/** Targets TypeScript implies from `module` when `target` is unset (TypeScript 5.x). */
const TARGET_OF_MODULE: Readonly<Record<string, string>> = { node16: 'es2022', node18: 'es2022', node20: 'es2023', nodenext: 'esnext' };

type JsonObject = Record<string, unknown>;

function tsconfigError(message: string): Error {
  return Object.assign(new Error(message), { code: TSCONFIG_ERROR_CODE });
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isFile(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isFile() === true;
}

/**
 * JSON with comments and trailing commas (what tsconfig.json allows) made plain JSON: comments
 * become spaces, a comma before `}` or `]` goes; strings are copied untouched.
 */
export function stripJsonComments(text: string): string {
  let out = '';
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end === -1 ? text.length : end + 2;
      out += ' ';
    } else {
      out += c;
      i++;
    }
  }
  return removeTrailingCommas(out);
}

function removeTrailingCommas(json: string): string {
  let out = '';
  for (let i = 0; i < json.length; i++) {
    const c = json[i]!;
    if (c === '"') {
      let j = i + 1;
      while (j < json.length && json[j] !== '"') j += json[j] === '\\' ? 2 : 1;
      out += json.slice(i, j + 1);
      i = j;
    } else if (c === ',' && /[}\]]/.test(json[nextNonSpace(json, i + 1)] ?? '')) {
      continue;
    } else {
      out += c;
    }
  }
  return out;
}

function nextNonSpace(text: string, from: number): number {
  let i = from;
  while (i < text.length && /\s/.test(text[i]!)) i++;
  return i;
}

function readJsonc(path: string): JsonObject {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw tsconfigError(`Cannot read ${path}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = text.trim() === '' ? {} : JSON.parse(stripJsonComments(text));
  } catch (err) {
    throw tsconfigError(`${path} is not valid JSON: ${(err as Error).message}`);
  }
  if (!isObject(parsed)) throw tsconfigError(`${path} is not a JSON object.`);
  return parsed;
}

/** Where an `extends` entry points, as TypeScript resolves it: a path, or a package's tsconfig. */
function resolveExtends(entry: string, fromDir: string, configPath: string): string {
  if (entry.startsWith('.') || isAbsolute(entry)) {
    const path = resolve(fromDir, entry);
    if (isFile(path)) return path;
    if (!path.endsWith('.json') && isFile(`${path}.json`)) return `${path}.json`;
  } else {
    const require = createRequire(join(fromDir, 'tsconfig.json'));
    for (const request of [entry, `${entry}.json`, `${entry}/tsconfig.json`]) {
      try {
        return require.resolve(request);
      } catch {
        // the next form
      }
    }
    try {
      const manifest = require.resolve(`${entry}/package.json`);
      const named = (readJsonc(manifest) as { tsconfig?: unknown }).tsconfig;
      if (typeof named === 'string' && isFile(join(dirname(manifest), named))) return join(dirname(manifest), named);
    } catch {
      // not a package either
    }
  }
  throw tsconfigError(`${configPath} extends '${entry}', which cannot be found.`);
}

/** The compilerOptions of one tsconfig with those of everything it extends underneath (later entries win). */
function mergedCompilerOptions(path: string, seen: readonly string[]): JsonObject {
  if (seen.includes(path)) throw tsconfigError(`${seen[0]} extends itself in a circle (through ${path}).`);
  const config = readJsonc(path);
  const entries = typeof config.extends === 'string' ? [config.extends] : Array.isArray(config.extends) ? config.extends : [];
  let merged: JsonObject = {};
  for (const entry of entries) {
    if (typeof entry !== 'string') continue;
    merged = { ...merged, ...mergedCompilerOptions(resolveExtends(entry, dirname(path), path), [...seen, path]) };
  }
  return { ...merged, ...(isObject(config.compilerOptions) ? config.compilerOptions : {}) };
}

/**
 * Class fields as TypeScript emits them: `[[Define]]` semantics when useDefineForClassFields is
 * on, which TypeScript defaults from the target (ES2022 and later, or one that `module` implies).
 * Undefined when nothing says: esbuild then follows its own target (Node's), i.e. `[[Define]]`.
 */
function classFieldSemantics(options: JsonObject): boolean | undefined {
  if (typeof options.useDefineForClassFields === 'boolean') return options.useDefineForClassFields;
  const module = typeof options.module === 'string' ? options.module.toLowerCase() : '';
  const target = typeof options.target === 'string' ? options.target.toLowerCase() : TARGET_OF_MODULE[module];
  if (target === undefined) return undefined;
  if (target === 'esnext') return true;
  const year = /^es(\d{4})$/.exec(target)?.[1];
  return year !== undefined && Number(year) >= 2022;
}

/** The options above picked from merged compilerOptions; values of the wrong type are left out. */
export function emitCompilerOptions(options: JsonObject): EmitCompilerOptions {
  const picked: EmitCompilerOptions = {};
  const useDefine = classFieldSemantics(options);
  if (useDefine !== undefined) picked.useDefineForClassFields = useDefine;
  for (const key of BOOLEAN_OPTIONS) if (typeof options[key] === 'boolean') picked[key] = options[key];
  for (const key of STRING_OPTIONS) if (typeof options[key] === 'string') picked[key] = options[key];
  const jsx = typeof options.jsx === 'string' ? options.jsx.toLowerCase() : undefined;
  if (jsx !== undefined && JSX_VALUES.has(jsx)) picked.jsx = jsx as EmitCompilerOptions['jsx'];
  const unused = typeof options.importsNotUsedAsValues === 'string' ? options.importsNotUsedAsValues.toLowerCase() : undefined;
  if (unused !== undefined && IMPORTS_NOT_USED_VALUES.has(unused)) picked.importsNotUsedAsValues = unused as EmitCompilerOptions['importsNotUsedAsValues'];
  return picked;
}

/** The nearest tsconfig.json at or above a directory, per directory (a job's files share one). */
const nearestByDir = new Map<string, string | null>();
/** Emit options per tsconfig.json, read once per process: a run sees one version of each. */
const optionsByConfig = new Map<string, EmitOptions>();

function nearestTsconfig(dir: string): string | null {
  const known = nearestByDir.get(dir);
  if (known !== undefined) return known;
  const here = join(dir, 'tsconfig.json');
  const parent = dirname(dir);
  const found = isFile(here) ? here : parent === dir ? null : nearestTsconfig(parent);
  nearestByDir.set(dir, found);
  return found;
}

/**
 * The emit options for a TypeScript file: from the tsconfig.json nearest to it (as tsc and
 * editors find a file's project; its files/include lists are not consulted), or none.
 */
export function emitOptionsFor(file: string): EmitOptions {
  const tsconfig = nearestTsconfig(dirname(file));
  if (tsconfig === null) return { tsconfig, tsconfigRaw: { compilerOptions: {} } };
  let options = optionsByConfig.get(tsconfig);
  if (!options) {
    options = { tsconfig, tsconfigRaw: { compilerOptions: emitCompilerOptions(mergedCompilerOptions(tsconfig, [])) } };
    optionsByConfig.set(tsconfig, options);
  }
  return options;
}
