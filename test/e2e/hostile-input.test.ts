/**
 * Hostile and odd input (found by a review): each test shows an input that broke the promise
 * "one clear line, exit 1, no stack trace without --verbose, nothing half-written, nothing
 * deleted that is not ours" — a _metadata with a null handle, an oversized state file, config
 * keys named like Object.prototype's members, YAML sets, job files that throw odd values or
 * throw from their own callbacks, a claimed snapshot in a directory of the user's files, an
 * oversized REST body, a `//` request target.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, truncateSync, writeFileSync, cpSync, readdirSync, symlinkSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import {
  FLINK_BIN,
  cancelJob,
  listFiles,
  waitFor,
  type RunResult,
  cleanUpAfterAll,
  freshHome,
  listJson,
  nonWarningLines,
  runDetached,
  runFlink,
  savepointPathOf,
  stackLines,
  tempDir,
} from './helpers.js';
import { BOUNDED_REDUCE as BOUNDED, SP_JOB, UNBOUNDED_KEYED as UNBOUNDED } from './fixture-jobs.js';
import { pack, unpack } from '../../src/util/binary-codec.js';
import { startWeb } from './web-helpers.js';

cleanUpAfterAll();

/** Exit 1, one `Error:` line on stderr (warnings aside), no "Internal error", no stack frames. */
function assertOneLine(r: RunResult, ...patterns: (RegExp | string)[]): string {
  const all = `--- exit ${r.code}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;
  assert.equal(r.code, 1, all);
  const lines = nonWarningLines(r.stderr);
  assert.deepEqual(stackLines(r.stderr), [], all);
  assert.doesNotMatch(r.stderr, /Internal error|TypeError|Node\.js v\d/, all);
  assert.equal(lines.length, 1, `expected one error line:\n${all}`);
  assert.match(lines[0]!, /^Error: \S/, all);
  for (const p of patterns) {
    if (typeof p === 'string') assert.ok(lines[0]!.includes(p), `${JSON.stringify(p)} not in: ${lines[0]}`);
    else assert.match(lines[0]!, p, all);
  }
  return lines[0]!;
}

const flink = (home: string, args: readonly string[], cwd?: string) => runFlink(args, { home, cwd, timeoutMs: 30_000 });

let savepoint: Promise<{ home: string; sp: string }> | undefined;

/** A savepoint of sp-job v1 (state in 'gen', 'count', 'sink'), taken once for the tests of this file that copy and damage it. */
function spJobSavepoint(): Promise<{ home: string; sp: string }> {
  savepoint ??= (async () => {
    const home = freshHome();
    const { jobId } = await runDetached(home, SP_JOB, ['v1', join(tempDir(), 'out'), 'inf', '200']);
    return { home, sp: savepointPathOf(await runFlink(['stop', jobId, '-p', join(tempDir(), 'sps')], { home, timeoutMs: 30_000 })) };
  })();
  return savepoint;
}

/** Writes a `_metadata` whose checksum matches its content (the checksum is no secret: anyone can compute it). */
function writeMetadata(dir: string, metadata: Record<string, unknown>): void {
  mkdirSync(dir, { recursive: true });
  const text = JSON.stringify(metadata);
  const checksum = createHash('sha256').update(text).digest('hex');
  writeFileSync(join(dir, '_metadata'), JSON.stringify({ checksum, metadata: JSON.parse(text) as unknown }));
}

function savepointMetadata(operators: unknown[]): Record<string, unknown> {
  return { magic: 'flink-ts-snapshot', formatVersion: 1, jobId: 'ab'.repeat(16), jobName: 'x', checkpointId: 1, kind: 'SAVEPOINT', timestamp: 1, operators };
}

describe('hostile _metadata', () => {
  test('a _metadata whose subtask list holds null (checksum valid): info, run -s and savepoint -d answer in one line, no stack', async () => {
    const home = freshHome();
    const dir = join(tempDir(), 'null-subtask');
    writeMetadata(dir, savepointMetadata([{ uid: 'count', name: 'count', parallelism: 1, maxParallelism: 128, subtasks: [null] }]));
    for (const args of [['info', dir], ['info', dir, '--json'], ['run', '-s', dir, BOUNDED], ['run', '-d', '-s', dir, UNBOUNDED]]) {
      assertOneLine(await flink(home, args), dir);
    }
    // savepoint -d already says one line, but quotes the TypeError's words ("Cannot read properties of null").
    const line = assertOneLine(await flink(home, ['savepoint', '-d', dir]), dir);
    assert.doesNotMatch(line, /Cannot read properties/, line);
    assert.ok(existsSync(join(dir, '_metadata')), 'nothing deleted');
    assert.deepEqual(await listJson(home), [], 'no job row');
  });

  test('a state file 2.5 GB long (sparse) where _metadata says a few hundred bytes: info names its size without reading it', async () => {
    const { home, sp } = await spJobSavepoint();
    const copy = join(tempDir(), 'copy');
    cpSync(sp, copy, { recursive: true });
    const stateFile = readdirSync(copy).find((f) => f.endsWith('.state'))!;
    // Past 2 GiB, which Node's readFile refuses: a loader that read the file to learn its size
    // would say "unreadable" (after reading 2 GiB into memory below that); the size comes first.
    truncateSync(join(copy, stateFile), 2560 * 1024 * 1024);
    const r = await flink(home, ['info', copy]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /DAMAGED subtask 0: state file \S+ of operator '\w+' has 2684354560 bytes, more than the \d+ recorded/, r.stdout);
    assert.doesNotMatch(r.stdout, /truncated\?/, r.stdout);
  });
});

describe('damaged state files (checksums resealed)', () => {
  /** A copy of the sp-job savepoint whose 'count' state file `edit` rewrote (or deleted), size and checksums resealed; and the file's name. */
  async function damagedCopy(name: string, edit: ((header: { keyGroupIndex: number[][] }, blocks: Buffer) => Buffer) | 'delete'): Promise<{ home: string; copy: string; file: string }> {
    const { home, sp } = await spJobSavepoint();
    const copy = join(tempDir(), name);
    cpSync(sp, copy, { recursive: true });
    const { metadata } = JSON.parse(readFileSync(join(copy, '_metadata'), 'utf8')) as { metadata: { operators: Array<{ uid: string; subtasks: Array<{ file: string; size: number; checksum: string }> }> } };
    const h = metadata.operators.find((o) => o.uid === 'count')!.subtasks[0]!;
    if (edit === 'delete') {
      rmSync(join(copy, h.file));
      return { home, copy, file: h.file };
    }
    const bytes = readFileSync(join(copy, h.file));
    const headerLength = bytes.readUInt32BE(0);
    const header = unpack(bytes.subarray(4, 4 + headerLength)) as { keyGroupIndex: number[][] };
    const blocks = edit(header, Buffer.from(bytes.subarray(4 + headerLength)));
    const packed = pack(header);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(packed.byteLength);
    const file = Buffer.concat([length, packed, blocks]);
    writeFileSync(join(copy, h.file), file);
    Object.assign(h, { size: file.byteLength, checksum: createHash('sha256').update(file).digest('hex') });
    writeMetadata(copy, metadata);
    return { home, copy, file: h.file };
  }

  test('bytes between key-group blocks, an undecodable block, a missing state file: info lists the subtask DAMAGED with the rest shown (exit 1); run -s refuses in one line saying what to do', async () => {
    const gap = await damagedCopy('gap', (header, blocks) => {
      // Two bytes after the first block, the later blocks moved on: every block still decodes.
      const [, offset, length] = header.keyGroupIndex[0]!;
      for (const e of header.keyGroupIndex.slice(1)) e[1]! += 2;
      return Buffer.concat([blocks.subarray(0, offset! + length!), Buffer.from([0x90, 0x90]), blocks.subarray(offset! + length!)]);
    });
    const undecodable = await damagedCopy('undecodable', (header, blocks) => {
      const [, offset, length] = header.keyGroupIndex[0]!;
      return blocks.fill(0xc1, offset!, offset! + length!);
    });
    const missing = await damagedCopy('missing', 'delete');
    for (const [{ home, copy, file }, problem, refusedBeforeStart] of [
      [gap, /cannot be read: 2 bytes between the blocks of key groups \d+ and \d+ belong to no key group/, true],
      [undecodable, /cannot be read: key group \d+ cannot be decoded \(.+\)/, false],
      [missing, /is missing \(no such file in the snapshot directory\)/, true],
    ] as const) {
      const info = await flink(home, ['info', copy]);
      assertOneLine(info, `The snapshot at ${copy} is damaged: the state of 1 of 3 subtasks cannot be read (marked DAMAGED above)`);
      const damaged = info.stdout.split('\n').filter((l) => l.includes('DAMAGED'));
      assert.equal(damaged.length, 1, info.stdout);
      assert.ok(damaged[0]!.startsWith(`  DAMAGED subtask 0: state file ${file} of operator 'count' `), info.stdout);
      assert.match(damaged[0]!, problem);
      assert.match(info.stdout, /sink state: \d+ element/, 'the other operators are shown');
      // An undecodable block is found when the job deploys (README: "Restore checks"); the others before it starts.
      if (refusedBeforeStart) {
        assertOneLine(await flink(home, ['run', '-s', copy, SP_JOB, 'v1', join(tempDir(), 'out')]), `Cannot restore from ${copy}: state file ${file} of operator 'count' `, problem, /\. Restore from an older checkpoint or savepoint \(flink run -s <jobId> skips damaged ones\)\.$/);
      }
    }
  });
});

describe('configuration keys that are names of Object.prototype', () => {
  for (const key of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
    test(`-D ${key}=1: the unknown key is named, with no suggestion made of JavaScript internals`, async () => {
      const home = freshHome();
      const line = assertOneLine(await flink(home, ['run', '-D', `${key}=1`, BOUNDED]), `Unknown configuration key '${key}' in -D`);
      assert.doesNotMatch(line, /function|native code|\[object Object\]/, line);
    });
  }

  test('config.yaml with a key `valueOf`: no suggestion of JavaScript internals', async () => {
    const home = freshHome();
    mkdirSync(home, { recursive: true });
    writeFileSync(join(home, 'config.yaml'), 'valueOf: 1\n');
    const line = assertOneLine(await flink(home, ['run', BOUNDED]), "Unknown configuration key 'valueOf'");
    assert.doesNotMatch(line, /function|native code/, line);
  });
});

describe('config.yaml values of odd YAML types', () => {
  for (const [what, yaml] of [
    ['a !!set', 'parallelism.default: !!set {a, b}\n'],
    ['an !!omap', 'parallelism.default: !!omap [ {a: 1} ]\n'],
  ] as const) {
    test(`${what} as the value of parallelism.default is a bad value naming the key, not silently ignored`, async () => {
      const home = freshHome();
      mkdirSync(home, { recursive: true });
      writeFileSync(join(home, 'config.yaml'), yaml);
      assertOneLine(await flink(home, ['run', BOUNDED]), 'parallelism.default', join(home, 'config.yaml'));
    });
  }
});

describe('job files that throw odd values', () => {
  for (const [what, body] of [
    ['an object without a prototype (throw Object.create(null))', 'throw Object.create(null);\n'],
    ['an object whose toString throws', "throw { toString() { throw new Error('toString trap'); } };\n"],
    ['an Error whose message getter throws', "const e = new Error('x'); Object.defineProperty(e, 'message', { get() { throw new Error('message trap'); } }); throw e;\n"],
    ['an Error whose stack is not a string', "const e: any = new Error('stackless'); e.stack = {}; throw e;\n"],
  ] as const) {
    test(`a job file that throws ${what}: one line naming the job file, no Internal error, no crash of the reporter`, async () => {
      const home = freshHome();
      const dir = tempDir();
      const job = join(dir, 'odd-throw.ts');
      writeFileSync(job, body);
      assertOneLine(await flink(home, ['run', job]), job);
    });
  }

  test('run -d of a job file whose Error has a non-string stack: the cause is the job\'s error, not a SQLite bind error', async () => {
    const home = freshHome();
    const job = join(tempDir(), 'stackless.ts');
    writeFileSync(job, "const e: any = new Error('stackless'); e.stack = {}; throw e;\n");
    const r = await flink(home, ['run', '-d', job]);
    assert.equal(r.code, 1, r.stderr);
    assert.doesNotMatch(r.stderr, /SQLite|can only bind/, r.stderr);
    assert.match(r.stderr, /stackless/, r.stderr);
  });

  test('an exception thrown from a timer callback while the job runs: one line with its cause, the job FAILED with it (not "job process lost"), no Node crash dump', async () => {
    const home = freshHome();
    const job = join(tempDir(), 'async-throw.ts');
    writeFileSync(
      job,
      "import { StreamExecutionEnvironment } from 'flink-ts';\n" +
        'const env = StreamExecutionEnvironment.getExecutionEnvironment();\n' +
        "env.fromSequence(1, 100_000_000).map((n) => { if (n === 5) setTimeout(() => { throw new Error('async boom'); }, 0); return n; }).addSink(() => {});\n" +
        "await env.execute('async-throw');\n",
    );
    const r = await flink(home, ['run', job]);
    assert.equal(r.code, 1, r.stderr);
    assert.deepEqual(stackLines(r.stderr).filter((l) => !l.includes(job)), [], r.stderr);
    assert.doesNotMatch(r.stderr, /Node\.js v\d/, r.stderr);
    assert.match(r.stderr, /async boom/, r.stderr);
    const [listed] = await listJson(home);
    assert.equal(listed?.status, 'FAILED', JSON.stringify(listed));
    assert.doesNotMatch(String(listed?.failureCause), /job process lost/, JSON.stringify(listed));
  });

  test('an exception thrown from a timer callback before execute(): one line, no Node crash dump', async () => {
    const home = freshHome();
    const job = join(tempDir(), 'early-async-throw.ts');
    writeFileSync(job, "setTimeout(() => { throw new Error('early boom'); }, 10);\nawait new Promise((r) => setTimeout(r, 200));\n");
    const r = await flink(home, ['run', job]);
    assert.equal(r.code, 1, r.stderr);
    assert.doesNotMatch(r.stderr, /Node\.js v\d|\^$/m, r.stderr);
    assert.match(r.stderr, /^Error: .*early boom/m, r.stderr);
  });
});

describe('--claim-mode claim', () => {
  test('a claimed savepoint copied into a directory of the user\'s own files: only the snapshot\'s files are deleted, as savepoint -d does', async () => {
    const home = freshHome();
    const first = await runDetached(home, UNBOUNDED);
    const sp = savepointPathOf(await runFlink(['savepoint', first.jobId, join(tempDir(), 'sps')], { home, timeoutMs: 30_000 }));
    await cancelJob(home, first.jobId);
    // The user keeps the savepoint among other files (the case savepoint -d is careful about).
    const mine = join(tempDir(), 'mine');
    cpSync(sp, mine, { recursive: true });
    writeFileSync(join(mine, 'notes.txt'), 'keep me\n');
    mkdirSync(join(mine, 'sub'));
    writeFileSync(join(mine, 'sub', 'deep.txt'), 'keep me\n');
    const second = await runDetached(home, UNBOUNDED, [], ['-s', mine, '--claim-mode', 'claim', '-D', 'execution.checkpointing.interval=100ms']);
    // Once the new job's checkpoint subsumes the claimed savepoint, the savepoint is discarded.
    await waitFor('the claimed savepoint to be discarded', () => !existsSync(join(mine, '_metadata')), 15_000);
    await cancelJob(home, second.jobId);
    assert.ok(existsSync(mine), `${mine} itself was deleted, with the user's files in it`);
    assert.deepEqual(listFiles(mine), ['notes.txt', 'sub/deep.txt']);
  });
});

/** A RUNNING-looking job row (no process: only the REST layer is exercised before reconcile matters). */
function insertJob(home: string, jobId: string, status: string, name = 'rest-target'): void {
  const db = new Database(join(home, 'flink.db'), { timeout: 5_000 });
  try {
    db.prepare('INSERT INTO jobs (job_id, name, job_file, status, config, start_time, end_time) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
      jobId,
      name,
      '/nowhere/job.ts',
      status,
      '{}',
      Date.now() - 1000,
      Date.now(),
    );
  } finally {
    db.close();
  }
}

/** A raw request: the request-target exactly as given (no URL normalisation), body as bytes. */
function raw(port: number, method: string, target: string, headers: Record<string, string>, body?: Buffer): Promise<{ status: number; type: string; text: string } | { error: string }> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, method, path: target, headers: { Host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), text }));
    });
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
    req.end(body);
  });
}

describe('flink web: odd requests', () => {
  test('a POST body over the limit is answered 413 in Flink\'s error shape, not with a reset connection', async () => {
    const home = freshHome();
    assert.equal((await flink(home, ['list'])).code, 0);
    const jobId = 'cd'.repeat(16);
    insertJob(home, jobId, 'FINISHED');
    const web = await startWeb(home);
    try {
      const body = Buffer.from(JSON.stringify({ 'target-directory': `/tmp/${'a'.repeat(200_000)}` }));
      const r = await raw(web.port, 'POST', `/jobs/${jobId}/savepoints`, { Authorization: `Bearer ${web.token}`, 'Content-Type': 'application/json', 'Content-Length': String(body.length) }, body);
      assert.ok('status' in r, `no answer: ${JSON.stringify(r)}`);
      assert.equal(r.status, 413, r.text);
      assert.match(r.text, /"errors"/);
    } finally {
      await web.stop();
    }
  });

  test('a savepoint target-directory holding a NUL byte is refused with 400, not accepted and failed later', async () => {
    const home = freshHome();
    assert.equal((await flink(home, ['list'])).code, 0);
    const jobId = 'ef'.repeat(16);
    insertJob(home, jobId, 'FINISHED');
    const web = await startWeb(home);
    try {
      const body = Buffer.from(JSON.stringify({ 'target-directory': '/tmp/a\u0000b' }));
      const r = await raw(web.port, 'POST', `/jobs/${jobId}/savepoints`, { Authorization: `Bearer ${web.token}`, 'Content-Type': 'application/json', 'Content-Length': String(body.length) }, body);
      assert.ok('status' in r, JSON.stringify(r));
      assert.equal(r.status, 400, r.text);
      assert.match(r.text, /target-directory/);
    } finally {
      await web.stop();
    }
  });

  test("flink web --host '' (which Node reads as every interface) is refused in one line", async () => {
    const home = freshHome();
    assertOneLine(await flink(home, ['web', '--host', '', '--port', '0']), 'empty');
  });

  test('GET //jobs (an empty first path segment) is not answered with the dashboard page', async () => {
    const home = freshHome();
    const web = await startWeb(home);
    try {
      // The request-target "//jobs" is a path; the server parses it as an authority ("jobs") and serves "/".
      const r = await raw(web.port, 'GET', '//jobs', {});
      assert.ok('status' in r, JSON.stringify(r));
      assert.doesNotMatch(r.type, /text\/html/, `GET //jobs answered ${r.status} ${r.type}: ${r.text.slice(0, 80)}`);
      // And //anything/jobs/overview is not /jobs/overview either.
      const o = await raw(web.port, 'GET', '//evil.example/jobs/overview', {});
      assert.ok('status' in o, JSON.stringify(o));
      assert.equal(o.status, 404, `GET //evil.example/jobs/overview answered ${o.status}: ${o.text.slice(0, 80)}`);
    } finally {
      await web.stop();
    }
  });
});

describe('outside input, second review', () => {
  test('names from a crafted _metadata and from a job cannot forge lines of info or list: a newline in them is shown as \\n', async () => {
    const home = freshHome();
    const dir = join(tempDir(), 'forged-names');
    writeMetadata(dir, {
      ...savepointMetadata([{ uid: 'u\nOperator uid forged', name: 'n\r', parallelism: 1, maxParallelism: 128, subtasks: [] }]),
      jobName: 'x\nPath: /forged',
    });
    const info = await flink(home, ['info', dir]);
    assert.equal(info.code, 0, info.stderr);
    assert.deepEqual(info.stdout.split('\n').filter((l) => /^(Path: \/forged|Operator uid forged)/.test(l)), [], info.stdout);
    assert.ok(info.stdout.includes('(x\\nPath: /forged)') && info.stdout.includes("'u\\nOperator uid forged' (n\\r)"), info.stdout);

    // A job's name is the job file's to choose (env.execute(name)).
    assert.equal((await flink(home, ['list'])).code, 0);
    insertJob(home, 'ab'.repeat(16), 'FINISHED', `evil\n01.01.2020 00:00:00 : ${'cd'.repeat(16)} : forged (RUNNING)`);
    const list = await flink(home, ['list', '-a']);
    assert.equal(list.code, 0, list.stderr);
    const lines = list.stdout.split('\n');
    assert.deepEqual(lines.filter((l) => l.startsWith('01.01.2020')), [], list.stdout);
    assert.ok(lines.some((l) => l.endsWith(` : evil\\n01.01.2020 00:00:00 : ${'cd'.repeat(16)} : forged (RUNNING) (FINISHED)`)), list.stdout);
  });

  test('empty paths and remote URIs (s3://, http://) are refused in one line, never read as the current directory or a directory named s3:', async () => {
    const home = freshHome();
    const cwd = tempDir();
    for (const [args, words] of [
      [['run', '-s', '', BOUNDED], "Cannot use '': the path is empty"],
      [['savepoint', '-d', ''], "Cannot use '': the path is empty"],
      [['info', 's3://bucket/sp'], "Cannot use 's3://bucket/sp': only local paths and file: URIs"],
      [['run', 'http://host/job.ts'], "Cannot use 'http://host/job.ts': only local paths and file: URIs"],
      // A savepoint's target is checked before the job is asked (here there is none).
      [['savepoint', 'abcdef', 's3://bucket/sp'], "Cannot use 's3://bucket/sp': only local paths and file: URIs"],
      [['stop', 'abcdef', '-p', ''], "Cannot use '': the path is empty"],
      [['stop', 'abcdef', '-p', '/dev/null'], 'Cannot write a savepoint into /dev/null: it is a character device, not a directory'],
    ] as const) {
      assertOneLine(await flink(home, args, cwd), words);
    }
    assert.deepEqual(readdirSync(cwd), []);
  });

  test('a job file given as a file: URI runs; one behind a loop of symbolic links is named as such, not "not found"; one in UTF-16 is named so', async () => {
    const home = freshHome();
    const r = await flink(home, ['run', pathToFileURL(BOUNDED).href]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Job has been submitted with JobID [0-9a-f]{32}$/m);
    const dir = tempDir();
    symlinkSync(join(dir, 'b.ts'), join(dir, 'a.ts'));
    symlinkSync(join(dir, 'a.ts'), join(dir, 'b.ts'));
    assertOneLine(await flink(home, ['run', join(dir, 'a.ts')]), `Cannot read job file ${join(dir, 'a.ts')}: its path runs into a loop of symbolic links`);
    // Saved as UTF-16 (an editor's "Unicode"): Node's loader would read it as UTF-8 and fail on a '�'.
    writeFileSync(join(dir, 'u16.ts'), Buffer.from("\ufeffconsole.log('hi');\n", 'utf16le'));
    assertOneLine(await flink(home, ['run', join(dir, 'u16.ts')]), `Cannot read job file ${join(dir, 'u16.ts')}: it is UTF-16 text (it starts with a UTF-16 byte-order mark), not UTF-8; save it as UTF-8.`);
  });

  test('a job file named job.json, notes.txt, job.cts or with no extension is refused by its name before anything runs (attached or -d), not run as JavaScript or refused in Node\'s words', async () => {
    const home = freshHome();
    const dir = tempDir();
    const notJs = (why: string) => `is not TypeScript or JavaScript (${why}): give a .ts, .mts, .tsx, .js, .mjs or .jsx file.`;
    for (const [name, text, refusal] of [
      ['job.json', '{ "parallelism": 2 }\n', notJs('its name ends in .json')],
      // Valid JavaScript: Node would run it (and print), then the job would fail without execute().
      ['notes.txt', "console.log('ran');\n", notJs('its name ends in .txt')],
      ['job', "console.log('ran');\n", notJs('its name has no extension')],
      // CommonJS cannot load flink-ts (an ES module), nor await execute() at its top level.
      ['job.cts', "import('flink-ts').then(() => console.log('ran'));\n", 'is CommonJS (its name ends in .cts), which cannot load flink-ts, an ES module: rename it to .ts (a .cts file can be a helper the job file imports).'],
    ] as const) {
      writeFileSync(join(dir, name), text);
      for (const args of [['run', join(dir, name)], ['run', '-d', join(dir, name)]]) {
        const r = await flink(home, args);
        assertOneLine(r, `Job file ${join(dir, name)} ${refusal}`);
        assert.equal(r.stdout, '', 'nothing ran');
      }
    }
    assert.deepEqual(await listJson(home), [], 'no job row');
  });

  test('stdout on a full disk (/dev/full): the loss is said once and the exit code is 1, not 0', async () => {
    const home = freshHome();
    const full = openSync('/dev/full', 'w');
    let stderr = '';
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(process.execPath, [FLINK_BIN, 'list', '-a', '--json'], { env: { ...process.env, FLINK_TS_HOME: home, NO_COLOR: '1' }, stdio: ['ignore', full, 'pipe'] });
      child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      child.on('error', reject);
      child.on('close', resolve);
    }).finally(() => closeSync(full));
    assert.equal(code, 1, stderr);
    assert.equal(stderr, 'Warning: Cannot write to stdout (ENOSPC); further output is dropped.\n');
  });
});
