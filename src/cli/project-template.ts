/**
 * The files `flink init` writes: an ES module project that depends on flink-ts, type-checks its
 * job with tsc, and runs it with `npx flink run job.ts` or, locally, `npx tsx job.ts`. Pure:
 * contents from facts; init.ts does the I/O.
 */

/** What the template takes from flink-ts's own package.json. */
export interface FlinkTsManifest {
  readonly version: string;
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly devDependencies?: Readonly<Record<string, string>>;
  /** npm's install-script approvals: which dependencies may run theirs (better-sqlite3 must). */
  readonly allowScripts?: Readonly<Record<string, boolean>>;
}

/** A valid npm package name from a directory name: lower case, npm's characters, else `flink-job`. */
export function projectNameOf(dirName: string): string {
  const name = dirName
    .toLowerCase()
    .replace(/[^a-z0-9._~-]+/g, '-')
    .replace(/^[._-]+/, '')
    .replace(/-+$/, '')
    .slice(0, 214);
  return name.length > 0 && name !== 'node_modules' && name !== 'flink-ts' ? name : 'flink-job';
}

/** The project's package.json: ESM, flink-ts as `flinkTs` (an npm spec), and the scripts. */
export function projectPackageJson(name: string, flinkTs: string, manifest: FlinkTsManifest): string {
  const dev = manifest.devDependencies ?? {};
  const pick = (deps: Readonly<Record<string, string>>, names: readonly string[]): Record<string, string> =>
    Object.fromEntries(names.filter((n) => deps[n] !== undefined).map((n) => [n, deps[n]!]));
  const pkg = {
    name,
    version: '0.1.0',
    private: true,
    // Job files use top-level await (`await env.execute(…)`): they must be ES modules.
    type: 'module',
    scripts: {
      start: 'flink run job.ts',
      local: 'tsx job.ts',
      typecheck: 'tsc',
      // Node 20's test runner takes no globs: the test files are named.
      test: 'node --import tsx --test count-words.test.ts',
    },
    dependencies: { 'flink-ts': flinkTs },
    // The same versions flink-ts itself is built and run with; tsx is named so `npx tsx` finds it here.
    devDependencies: { ...pick(dev, ['@types/node', 'typescript']), ...pick(manifest.dependencies ?? {}, ['tsx']) },
    ...(manifest.allowScripts ? { allowScripts: manifest.allowScripts } : {}),
  };
  return `${JSON.stringify(pkg, null, 2)}\n`;
}

/** tsc settings for job files: strict, ES modules resolved as Node resolves them (package `exports`). */
export const PROJECT_TSCONFIG = `${JSON.stringify(
  {
    compilerOptions: {
      target: 'ES2022',
      lib: ['ES2023'],
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      strict: true,
      noEmit: true,
      verbatimModuleSyntax: true,
      skipLibCheck: true,
      types: ['node'],
    },
    include: ['**/*.ts'],
  },
  null,
  2,
)}\n`;

export const PROJECT_GITIGNORE = 'node_modules/\nout/\n';

/** The example's logic, in a module of its own so a test can run it without the job file's execute(). */
export const EXAMPLE_LOGIC = `import {
  type Collector,
  type DataStream,
  KeyedProcessFunction,
  type KeyedProcessContext,
  type ValueState,
  ValueStateDescriptor,
} from 'flink-ts';

/** Emits \`word,count\` for every word. */
export class CountWords extends KeyedProcessFunction<string, string, string> {
  private count!: ValueState<number>;

  override open(): void {
    this.count = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('count', 0));
  }

  processElement(word: string, _ctx: KeyedProcessContext<string>, out: Collector<string>): void {
    const n = (this.count.value() ?? 0) + 1;
    this.count.update(n);
    out.collect(\`\${word},\${n}\`);
  }
}

/** Lines → words → a running count per word, kept in keyed state; every stateful operator has a uid. */
export function wordCounts(lines: DataStream<string>): DataStream<string> {
  return lines
    .flatMap((line: string) => line.split(' '))
    .uid('words')
    .keyBy((word) => word)
    .process(new CountWords())
    .uid('count');
}
`;

/** The example job: the word count over two lines, printed. */
export const EXAMPLE_JOB = `/**
 * An example flink-ts job: counts words, keeping each word's count in keyed state.
 *
 *   npx flink run job.ts    under the flink CLI: tracked in flink.db, checkpoints, savepoints, restore
 *   npx tsx job.ts          locally, with defaults and no bookkeeping
 *   npm test                count-words.test.ts: the job's logic, its results collected
 */
import { StreamExecutionEnvironment } from 'flink-ts';
import { wordCounts } from './count-words.js';

const env = StreamExecutionEnvironment.getExecutionEnvironment();
wordCounts(env.fromElements('to be or not to be', 'that is the question')).print();

await env.execute('word-count');
`;

/** A test of the example's logic: the job run in the test's process, its results read back. */
export const EXAMPLE_TEST = `import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StreamExecutionEnvironment } from 'flink-ts';
import { wordCounts } from './count-words.js';

test('each word is counted in its own state', async () => {
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  // executeAndCollect runs the job here and gives its results (at most 100 of them).
  const counts = await wordCounts(env.fromElements('to be or not to be')).executeAndCollect(100);
  assert.deepEqual(counts.sort(), ['be,1', 'be,2', 'not,1', 'or,1', 'to,1', 'to,2']);
});
`;
