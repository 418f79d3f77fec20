import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, test } from 'node:test';
import { waitForCommand, waitSpinner } from '../../src/cli/wait-for-command.js';
import { MetadataStore } from '../../src/metadata/index.js';
import { newJobId } from '../../src/util/ids.js';

const dir = mkdtempSync(join(tmpdir(), 'flink-wait-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('a cancel the job never read is answered by the job ending CANCELED (another cancel got there first)', async () => {
  const store = MetadataStore.open(join(dir, 'flink.db'));
  const jobId = newJobId();
  store.createJob({ jobId, name: 'j', jobFile: '/j.ts', status: 'RUNNING', pid: process.pid });
  const first = store.submitCommand(jobId, 'cancel');
  const second = store.submitCommand(jobId, 'cancel');
  // The job answers the first and ends; it never polls again.
  store.completeCommand(first, undefined);
  store.transitionJob(jobId, 'CANCELLING');
  store.transitionJob(jobId, 'CANCELED');
  // Answered by the job's end (a timeout would reject).
  assert.equal(await waitForCommand(store, jobId, second, { what: 'cancel', timeoutMs: 5_000, endsWith: 'CANCELED' }), undefined);
  // Without endsWith (e.g. a savepoint), a command the job never answers still times out.
  const third = store.submitCommand(jobId, 'checkpoint');
  await assert.rejects(waitForCommand(store, jobId, third, { what: 'complete a checkpoint', timeoutMs: 300 }), /did not complete a checkpoint within/);
  store.close();
});

test('a stop waiting for a job that another process declares lost fails at once, saying so (not at its timeout)', async () => {
  const store = MetadataStore.open(join(dir, 'flink.db'));
  const jobId = newJobId();
  store.createJob({ jobId, name: 'j', jobFile: '/j.ts', status: 'RUNNING', pid: process.pid });
  const stop = store.submitCommand(jobId, 'stop', { drain: true });
  // The job process was killed during the drain; `flink list` (here: this store) finds it lost.
  setTimeout(() => store.markLost(jobId), 100);
  await assert.rejects(
    waitForCommand(store, jobId, stop, { what: 'stop with a savepoint', timeoutMs: 10_000 }),
    { message: `Job ${jobId} could not stop with a savepoint: the job ended as FAILED (job process lost) before it answered` },
  );
  store.close();
});

/**
 * A terminal that reports `columns` and counts what is drawn on it. Clearing more lines than any
 * spinner could have drawn throws, once, and the terminal then stops being one (so the spinner's
 * next stop() ends its timer): a spinner that would clear forever fails the test, not hangs it.
 */
class FakeTerminal extends Writable {
  isTTY = true;
  readonly rows = 24;
  drawn = 0;
  private cleared = 0;
  constructor(readonly columns: number) {
    super();
  }
  override _write(_chunk: unknown, _encoding: string, done: () => void): void {
    this.drawn++;
    done();
  }
  cursorTo(): boolean {
    return true;
  }
  moveCursor(): boolean {
    return true;
  }
  clearLine(): boolean {
    if (++this.cleared > 1000) {
      this.isTTY = false;
      throw new Error('the spinner clears lines without end');
    }
    return true;
  }
}

test('the wait spinner draws on a terminal, and on one that reports 0 columns stays silent instead of clearing lines forever', () => {
  // ora draws only where it finds an interactive terminal: not under CI=… or TERM=dumb.
  const env = { CI: process.env.CI, TERM: process.env.TERM };
  delete process.env.CI;
  process.env.TERM = 'xterm';
  try {
    for (const [columns, draws] of [[80, true], [0, false]] as const) {
      const terminal = new FakeTerminal(columns);
      const spinner = waitSpinner('Waiting for the job to cancel…', terminal as unknown as NodeJS.WriteStream);
      try {
        spinner.start();
        spinner.render();
        spinner.stop();
      } finally {
        spinner.stop();
      }
      assert.equal(terminal.drawn > 0, draws, `${columns} columns`);
    }
  } finally {
    for (const [k, v] of Object.entries(env)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
});
