// `npm run build`'s second half: the engine's JavaScript, bundled by esbuild from src/ into one
// file per entry module (dist/index.js — what 'flink-ts' resolves to —, the CLI, the worker
// thread's entry, the job file's loader hooks), with the code they share in dist/chunks/ so
// that every entry sees the same engine instance. tsc writes only the declarations (dist/**/*.d.ts).
//
// Why: Node's ESM loader resolves, reads and links each of ~370 modules on its own; importing the
// engine took ~0.6 s of CPU from 370 files and ~0.3 s as bundles (measured with
// `node -e "await import('./dist/index.js')"`), paid by every `flink run` and by each of its
// worker threads.
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ENTRIES = ['src/index.ts', 'src/cli/main.ts', 'src/cluster/task-worker.ts', 'src/cluster/job-file-hooks.ts'];

const root = fileURLToPath(new URL('..', import.meta.url));
// Chunks are named by content hash: a rebuild without `npm run build`'s clean (mutants/run.ts's) would leave the old ones beside the new.
rmSync(`${root}/dist/chunks`, { recursive: true, force: true });

await build({
  absWorkingDir: root,
  entryPoints: ENTRIES,
  outdir: 'dist',
  outbase: 'src',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Dependencies stay in node_modules (native modules among them), loaded as installed.
  packages: 'external',
  chunkNames: 'chunks/[name]-[hash]',
  // Maps ship with the package for `--verbose` stacks (src/util/engine-frames.ts): names and
  // lines of the sources, not their text (a quarter of the size; the sources are not shipped).
  sourcemap: 'linked',
  sourcesContent: false,
  // Class and function names as written: messages and `--verbose` stacks name them.
  keepNames: true,
  tsconfig: 'tsconfig.build.json',
  logLevel: 'warning',
});
