import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname } from 'node:path';
import type { Loader, TransformFailure, TransformOptions } from 'esbuild';
import { type CompileCache, compileCacheKey } from './compile-cache.js';
import { COMPILED_EXTENSIONS } from './job-file-extensions.js';
import { COMPILE_ERROR_CODE, type CompileErrorDetail } from './job-file-load-errors.js';
import { emitOptionsFor } from './tsconfig-emit-options.js';

/**
 * TypeScript (and JSX) to the JavaScript Node runs, one file at a time, with esbuild's
 * `transform` — what tsx does for a job file, without the rest of tsx. esbuild's JS API (and its
 * compiler process) is loaded only when a file is not in the cache.
 */

const LOADERS: Readonly<Record<string, Loader>> = COMPILED_EXTENSIONS;

/**
 * The module format a file compiled here is loaded as (by its extension), or undefined for a
 * file not compiled here. Every TypeScript file is an ES module — even where package.json says
 * otherwise — except a .cts file, which is CommonJS, as TypeScript says.
 */
export function compiledFormat(file: string): 'module' | 'commonjs' | undefined {
  const ext = extname(file);
  if (!(ext in LOADERS)) return undefined;
  return ext === '.cts' ? 'commonjs' : 'module';
}

let esbuildVersion: string | undefined;

/** The installed esbuild's version, read from its package.json: part of every cache key, without loading esbuild. */
function installedEsbuildVersion(): string {
  if (esbuildVersion === undefined) {
    const manifest = createRequire(import.meta.url).resolve('esbuild/package.json');
    esbuildVersion = String((JSON.parse(readFileSync(manifest, 'utf8')) as { version?: unknown }).version);
  }
  return esbuildVersion;
}

/** esbuild's options for a file: a module for the running Node, with an inline source map. */
function transformOptions(file: string): TransformOptions {
  return {
    loader: LOADERS[extname(file)] ?? 'ts',
    format: compiledFormat(file) === 'commonjs' ? 'cjs' : 'esm',
    // For CommonJS output, esbuild then annotates the exports so an import sees them by name.
    platform: 'node',
    target: `node${process.versions.node}`,
    // The map names the file itself, so stack traces show its path and its own lines.
    sourcefile: file,
    sourcemap: 'inline',
    sourcesContent: false,
    // As tsx: names esbuild would otherwise rename (lowered class fields, decorators) are kept.
    keepNames: true,
    tsconfigRaw: emitOptionsFor(file).tsconfigRaw,
    logLevel: 'silent',
  };
}

function compileError(file: string, err: unknown): Error {
  const failure = err as Partial<TransformFailure>;
  const first = failure.errors?.[0];
  const detail: CompileErrorDetail = {
    file,
    line: first?.location?.line ?? 0,
    column: first?.location?.column ?? 0,
    text: first?.text ?? (err instanceof Error ? err.message : String(err)),
  };
  const where = first?.location ? `${file}:${detail.line}:${detail.column}: ` : `${file}: `;
  return Object.assign(new Error(`${where}${detail.text}`), { code: COMPILE_ERROR_CODE, ...detail });
}

/**
 * The JavaScript for a TypeScript file whose text is `source`: from the cache when the same
 * file, text, esbuild and options were compiled before; else compiled and stored.
 *
 * @throws an Error with code {@link COMPILE_ERROR_CODE} when the file does not compile
 */
export async function compileTypeScript(file: string, source: string, cache: CompileCache | null): Promise<string> {
  const options = transformOptions(file);
  const key = compileCacheKey([installedEsbuildVersion(), file, JSON.stringify(options), source]);
  const cached = cache?.get(key);
  if (cached !== undefined) return cached;
  const { transform } = await import('esbuild');
  let code: string;
  try {
    code = (await transform(source, options)).code;
  } catch (err) {
    throw compileError(file, err);
  }
  cache?.put(key, code);
  return code;
}
