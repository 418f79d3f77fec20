import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { reconcileLiveness } from '../../cluster/liveness.js';
import { ensureHome, resolveHome } from '../../config/index.js';
import { MetadataStore } from '../../metadata/index.js';
import { loadOrCreateToken, startWebServer } from '../../web/index.js';
import { say, warn } from '../output.js';

/** Options of `flink web`. */
export interface WebOptions {
  readonly port: number;
  readonly host: string;
}

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** Resolves on the first SIGINT or SIGTERM. */
function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals) => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(signal);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

/**
 * `flink web [--port 8081] [--host 127.0.0.1]`: serves every job of the home until Ctrl+C.
 * Prints where, who can reach it, and the URL with the token that changing a job needs.
 */
export async function webCommand(opts: WebOptions): Promise<number> {
  const layout = ensureHome(resolveHome());
  const store = MetadataStore.open(layout.dbPath);
  try {
    const token = loadOrCreateToken(layout.webTokenPath);
    const server = await startWebServer({
      store,
      token,
      host: opts.host,
      port: opts.port,
      reconcile: (jobs) => reconcileLiveness(store, jobs),
      version: packageVersion(),
    });
    const where = `${server.url.replace(/\/$/, '')}`;
    say(`Serving the jobs of ${layout.home}: Flink's REST API, Prometheus metrics (/metrics) and a dashboard.`);
    if (server.loopbackOnly) {
      say(`Listening on ${where.replace('http://', '')}, loopback only: other machines cannot connect. Reads are open to this machine's users; cancel, stop and savepoint need the token.`);
      say(`Dashboard: ${server.url}?token=${token}`);
    } else {
      say(`Listening on ${where.replace('http://', '')}, reachable from other machines: every request needs the token.`);
      warn('flink web speaks plain HTTP: the token and your data cross the network unencrypted. Use it only on a network you trust.');
      say(`Dashboard: http://${hostname()}:${server.port}/?token=${token}`);
    }
    say(`The token is kept in ${layout.webTokenPath} (delete it to get a new one). Press Ctrl+C to stop.`);
    await untilSignal();
    await server.close();
    return 0;
  } finally {
    store.close();
  }
}
