import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { checkpointsSettled, reconcileCheckpoints } from '../../cluster/checkpoint-reconciler.js';
import { reconcileLiveness } from '../../cluster/liveness.js';
import { ensureHome, resolveHome } from '../../config/index.js';
import { type JobRecord, MetadataStore } from '../../metadata/index.js';
import { loadOrCreateToken, startWebServer } from '../../web/index.js';
import { say, warn } from '../output.js';
import { packageFile } from '../../util/package-root.js';

/** Options of `flink web`. */
export interface WebOptions {
  readonly port: number;
  readonly host: string;
}

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(packageFile('package.json'), 'utf8')) as { version: string };
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
 * The jobs as `flink list` would show them: a job whose process is gone is marked FAILED, and an
 * ended job's checkpoints are brought level with its directory (a checkpoint published but not
 * recorded at a crash becomes the one shown and restored). An ended job's checkpoints no longer
 * change, so each is levelled once per `flink web` rather than at every poll of the dashboard.
 */
function reconciler(store: MetadataStore, checkpointsBase: string): (jobs: readonly JobRecord[]) => Promise<JobRecord[]> {
  const levelled = new Set<string>();
  const levelling = new Map<string, Promise<JobRecord>>();
  const level = async (j: JobRecord): Promise<JobRecord> => {
    const running = levelling.get(j.jobId);
    // A request arriving while another levels the job waits for it and reads the result.
    if (running !== undefined) return running.then(() => store.getJob(j.jobId) ?? j, () => j);
    const done = reconcileCheckpoints(store, j, checkpointsBase);
    levelling.set(j.jobId, done);
    try {
      const after = await done;
      levelled.add(j.jobId);
      return after;
    } catch {
      // An unreadable checkpoint directory: shown as flink.db has it, tried again at the next request.
      return j;
    } finally {
      levelling.delete(j.jobId);
    }
  };
  return async (jobs) => {
    const out: JobRecord[] = [];
    for (const j of reconcileLiveness(store, jobs)) out.push(levelled.has(j.jobId) || !checkpointsSettled(j) ? j : await level(j));
    return out;
  };
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
      reconcile: reconciler(store, layout.checkpointsDir),
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
