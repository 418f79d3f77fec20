/**
 * The files a relative import in a TypeScript file may name, in the order they are tried — as
 * TypeScript resolves it and tsx allows at run time: a .ts file is imported by its output's name
 * (`./x.js` is `./x.ts`, `./x.mjs` is `./x.mts`), and an extensionless `./x` or a directory
 * `./dir` is `./x.ts`, `./x.tsx`, …, or `./dir/index.ts`, …. Pure: the caller checks which exist.
 */

/** A written extension and what it may stand for (the written one last: a .ts beside its .js wins, as in tsx). */
const STANDS_FOR: Readonly<Record<string, readonly string[]>> = {
  '.js': ['.ts', '.tsx', '.js', '.jsx'],
  '.jsx': ['.tsx', '.ts', '.jsx', '.js'],
  '.mjs': ['.mts', '.mjs'],
  '.cjs': ['.cts', '.cjs'],
};

/** Extensions tried after an extensionless name, and after `<dir>/index`. */
const APPENDED = ['.ts', '.tsx', '.jsx', '.js', '.json'] as const;

/** Written extensions that name exactly one file. */
const EXACT = new Set(['.ts', '.tsx', '.mts', '.cts', '.json', '.node']);

/** A relative or absolute path, or a file: URL: what these rules apply to (never a package name). */
function namesAFile(specifier: string): boolean {
  return /^\.\.?(?:\/|$)/.test(specifier) || specifier.startsWith('/') || specifier.startsWith('file:');
}

/**
 * The specifiers to try, in order, for `specifier` written in a TypeScript file; empty when the
 * specifier is to be resolved as written (a package, `node:` or another scheme, an exact
 * extension). A query or hash is kept on every candidate.
 */
export function tsImportCandidates(specifier: string): string[] {
  if (!namesAFile(specifier)) return [];
  const cut = specifier.search(/[?#]/);
  const path = cut === -1 ? specifier : specifier.slice(0, cut);
  const suffix = cut === -1 ? '' : specifier.slice(cut);
  if (path === '.' || path === '..' || path.endsWith('/')) {
    const dir = path.endsWith('/') ? path : `${path}/`;
    return APPENDED.map((ext) => `${dir}index${ext}${suffix}`);
  }
  const base = path.slice(path.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  const ext = dot > 0 ? base.slice(dot) : '';
  if (EXACT.has(ext)) return [];
  const standsFor = STANDS_FOR[ext];
  if (standsFor) return standsFor.map((e) => `${path.slice(0, -ext.length)}${e}${suffix}`);
  return [...APPENDED.map((e) => `${path}${e}${suffix}`), ...APPENDED.map((e) => `${path}/index${e}${suffix}`)];
}

/** A module URL of a TypeScript (or JSX) file: its relative imports follow the rules above. */
export function isTypeScriptUrl(url: string): boolean {
  return /\.(?:[cm]?ts|[tj]sx)(?:$|[?#])/.test(url);
}
