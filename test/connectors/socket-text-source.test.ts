/*
 * env.socketTextStream against a real TCP server on this machine, as Flink's
 * SocketTextStreamFunction reads one: lines cut at the delimiter (a `\r` before `\n` dropped,
 * UTF-8 split across packets joined), the text after the last delimiter emitted at the end,
 * reconnections after the server closes counted as Flink counts them (a line cut by one joined),
 * a refused connection failing the job in one line, and arguments checked.
 */
import assert from 'node:assert/strict';
import { type AddressInfo, type Server, type Socket, createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { StreamExecutionEnvironment, setContextExecutor } from '../../src/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { TestExecutor, collectInto, runJob } from '../helpers/run-job.js';
import { until } from '../helpers/tracked-job.js';

/** A server whose n-th connection (from 0) is handed to `serve[n]`; connections past the script are closed at once. */
async function server(serve: ((socket: Socket) => void | Promise<void>)[]): Promise<{ port: number; connections: () => number; close: () => void }> {
  let n = 0;
  const srv: Server = createServer((socket) => {
    const handle = serve[n++];
    if (handle) void handle(socket);
    else socket.end();
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  return { port: (srv.address() as AddressInfo).port, connections: () => n, close: () => srv.close() };
}

/** Writes `parts` one by one, each its own packet (a pause between), then closes. */
const sendAndClose = (...parts: (string | Buffer)[]) => async (socket: Socket) => {
  for (const p of parts) {
    socket.write(p);
    await sleep(15);
  }
  socket.end();
};

async function read(port: number, delimiter?: string, maxRetry?: number): Promise<string[]> {
  const out: string[] = [];
  await runJob((env) => {
    env.socketTextStream('127.0.0.1', port, delimiter, maxRetry).addSink(collectInto(out));
  });
  return out;
}

describe('socketTextStream', () => {
  test('lines at \\n, a \\r before it dropped, UTF-8 cut between packets joined, the text after the last \\n emitted at the end', async () => {
    const euro = Buffer.from('€', 'utf8'); // three bytes, sent in two packets
    const s = await server([sendAndClose('one\r\ntwo\n', 'thr', Buffer.concat([Buffer.from('ee '), euro.subarray(0, 1)]), Buffer.concat([euro.subarray(1), Buffer.from('\n\nlast')]))]);
    try {
      assert.deepEqual(await read(s.port), ['one', 'two', 'three €', '', 'last']);
      assert.equal(s.connections(), 1, 'maxRetry 0: no reconnection');
    } finally {
      s.close();
    }
  });

  test('another delimiter: cut there, a \\r kept', async () => {
    const s = await server([sendAndClose('a\r||b|', 'x||c\n||')]);
    try {
      assert.deepEqual(await read(s.port, '||'), ['a\r', 'b|x', 'c\n']);
    } finally {
      s.close();
    }
  });

  test('maxRetry 3: connects again after the first two closes (Flink counts the ended connections), a line cut by them joined', async () => {
    const s = await server([sendAndClose('x\nhal'), sendAndClose('f\ny'), sendAndClose('\n')]);
    try {
      assert.deepEqual(await read(s.port, '\n', 3), ['x', 'half', 'y']);
      assert.equal(s.connections(), 3);
    } finally {
      s.close();
    }
    const once = await server([sendAndClose('a\n'), sendAndClose('b\n')]);
    try {
      assert.deepEqual(await read(once.port, '\n', 1), ['a'], 'maxRetry 1: no reconnection, as in Flink');
      assert.equal(once.connections(), 1);
    } finally {
      once.close();
    }
  });

  test('maxRetry -1: connects for ever; a line sent while the job idles arrives', async () => {
    let live: Socket | undefined;
    const s = await server([
      (socket) => {
        live = socket;
      },
    ]);
    const out: string[] = [];
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.socketTextStream('127.0.0.1', s.port, '\n', -1).addSink(collectInto(out));
    const client = await env.executeAsync('socket');
    try {
      await until(() => live !== undefined, 'the source to connect');
      await sleep(300);
      live!.write('late line\n');
      await until(() => out.length === 1, 'the line to arrive');
      assert.deepEqual(out, ['late line']);
      live!.end();
      await until(() => s.connections() >= 3, 'the source to connect again, and again');
    } finally {
      await client.cancel();
      s.close();
    }
  });

  test("a line that arrives while the source idles is read at once: on a clock that never moves, only the reader's notice gets it polled", async () => {
    let live: Socket | undefined;
    const s = await server([
      (socket) => {
        live = socket;
      },
    ]);
    const out: string[] = [];
    const executor = new TestExecutor(new ManualClock(1_000));
    setContextExecutor(executor);
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.socketTextStream('127.0.0.1', s.port).addSink(collectInto(out));
    const run = env.execute('socket on a stopped clock');
    setContextExecutor(undefined);
    try {
      await until(() => live !== undefined, 'the source to connect');
      await sleep(100);
      live!.write('first\n');
      await until(() => out.length === 1, 'the first line', 5_000);
      await sleep(100);
      live!.write('second\n');
      await until(() => out.length === 2, 'the second line', 5_000);
      live!.end();
      await run;
      assert.deepEqual(out, ['first', 'second']);
    } finally {
      executor.execution?.cancel();
      await run.catch(() => undefined);
      s.close();
    }
  });

  test('a refused connection fails the job naming the address and what to do', async () => {
    const s = await server([]);
    const { port } = s;
    s.close();
    await sleep(20);
    await assert.rejects(read(port), (err: Error) => {
      assert.match(err.message, new RegExp(`Cannot connect to socket 127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\): start the server first \\(e\\.g\\. nc -lk ${port}\\)`));
      return true;
    });
  });

  test('arguments are checked when the job is defined', () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    assert.throws(() => env.socketTextStream('localhost', 0), /port must be an integer from 1 to 65535, got 0/);
    assert.throws(() => env.socketTextStream('localhost', 65536), /got 65536/);
    assert.throws(() => env.socketTextStream('localhost', 9999, ''), /delimiter must be a non-empty string/);
    assert.throws(() => env.socketTextStream('localhost', 9999, '\n', -2), /maxRetry must be 0 or more, or -1/);
    assert.throws(() => env.socketTextStream('', 9999), /needs a hostname/);
  });
});
