/**
 * Helpers of the `flink web` tests: a real server on a free port of a test home, and HTTP
 * requests to it with the headers a test chooses (Host and Origin included).
 */
import { request } from 'node:http';
import { type Spawned, spawnFlink } from './helpers.js';

/** A running `flink web` and what its start-up lines said. */
export interface WebUnderTest {
  readonly spawned: Spawned;
  /** `http://127.0.0.1:<port>` (no trailing slash). */
  readonly base: string;
  readonly port: number;
  readonly token: string;
  /** Ends it with SIGINT; resolves with its exit code. */
  stop(): Promise<number | null>;
}

/** Starts `flink web --port 0 [...extra]` on `home` and waits for its Dashboard line. */
export async function startWeb(home: string, extra: readonly string[] = []): Promise<WebUnderTest> {
  const spawned = spawnFlink(['web', '--port', '0', ...extra], { home, timeoutMs: 300_000 });
  const line = await spawned.waitForLine(/^Dashboard: /, 15_000);
  const m = /^Dashboard: http:\/\/[^:/]+:(\d+)\/\?token=([0-9a-f]{64})$/.exec(line);
  if (!m) throw new Error(`unexpected start-up line: ${line}`);
  const port = Number(m[1]);
  return {
    spawned,
    base: `http://127.0.0.1:${port}`,
    port,
    token: m[2]!,
    async stop() {
      spawned.child.kill('SIGINT');
      return (await spawned.exited).code;
    },
  };
}

/** An HTTP answer, its body parsed as JSON where it is JSON. */
export interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  /** Loosely typed on purpose: each test reads and checks the fields it cares about. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly json: any;
}

/**
 * A request with exactly the headers given (plus Host, unless given): `fetch` would not let a
 * test send a foreign Host or Origin.
 */
export function call(base: string, method: string, path: string, opts: { headers?: Record<string, string>; body?: unknown } = {}): Promise<Answer> {
  const url = new URL(path, base);
  const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: `${url.pathname}${url.search}`,
        method,
        headers: { ...(body === undefined ? {} : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) }), ...opts.headers },
        setHost: opts.headers?.['Host'] === undefined,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => {
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The bearer header of `token`. */
export const bearer = (token: string): Record<string, string> => ({ Authorization: `Bearer ${token}` });
