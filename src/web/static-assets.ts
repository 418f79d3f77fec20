import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { packageFile } from '../util/package-root.js';

/** A file the server sends as is. */
export interface Asset {
  readonly type: string;
  readonly body: Buffer;
}

/** A file of the dashboard's own, shipped in the package beside dist/ (`files` in package.json). */
const dashboardFile = (name: string): string => join(packageFile('dashboard'), name);

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

function typeOf(file: string): string {
  return TYPES[file.slice(file.lastIndexOf('.'))] ?? 'application/octet-stream';
}

/** uPlot's browser build and stylesheet, from node_modules: no CDN, the installed version. */
function uplotFile(name: string): string {
  const pkg = createRequire(import.meta.url).resolve('uplot/package.json');
  return join(dirname(pkg), 'dist', name);
}

/**
 * The URL paths the dashboard is served at, and the files behind them. A fixed table, so no
 * request path ever becomes a file path.
 */
const FILES: Readonly<Record<string, () => string>> = {
  '/': () => dashboardFile('index.html'),
  '/assets/app.js': () => dashboardFile('app.js'),
  '/assets/graph.js': () => dashboardFile('graph.js'),
  '/assets/app.css': () => dashboardFile('app.css'),
  '/assets/vendor/uPlot.iife.min.js': () => uplotFile('uPlot.iife.min.js'),
  '/assets/vendor/uPlot.min.css': () => uplotFile('uPlot.min.css'),
};

/** Loads every asset once (they are small: ~80 KB in all). */
export function loadAssets(): ReadonlyMap<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const [path, file] of Object.entries(FILES)) {
    const f = file();
    assets.set(path, { type: typeOf(f), body: readFileSync(f) });
  }
  return assets;
}
