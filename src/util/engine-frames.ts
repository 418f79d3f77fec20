/**
 * `--verbose` stack traces name flink-ts's own frames by its TypeScript sources
 * (`src/runtime/…/map-operator.ts:28`) rather than by lines of its bundled chunks
 * (`dist/chunks/chunk-3MZPSJWH.js:4878`, a name that changes with every build): the build ships a
 * source map beside each bundle, and Node applies them to stacks once source maps are on.
 *
 * Node reads a module's map when it loads the module, and only if source maps are on by then:
 * `bin/flink` turns them on before it loads the CLI, and this module remembers the choice for the
 * worker threads a job starts, each of which loads the engine afresh (a worker does not inherit a
 * setting made at run time, only command-line flags). Off without `--verbose`: reading the maps
 * costs every start, and plain error reports leave engine frames out anyway.
 */

let mapped = false;

/** Turns source maps on for this thread and for the worker threads started after it. */
export function mapEngineFrames(): void {
  mapped = true;
  process.setSourceMapsEnabled(true);
}

/** The `execArgv` of a worker thread: this thread's flags, with source maps on if {@link mapEngineFrames} was called. */
export function workerExecArgv(): string[] | undefined {
  return mapped ? [...process.execArgv, '--enable-source-maps'] : undefined;
}
