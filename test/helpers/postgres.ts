/**
 * A throwaway PostgreSQL server for tests and benchmarks: a fresh temporary directory with a
 * copy of an `initdb`'d data directory (made once per machine, see {@link dataTemplate}),
 * started listening only on a Unix socket in that directory (no TCP port), with
 * `max_prepared_transactions` set, and stopped and removed afterwards — by `stop()`, at process
 * exit, and, should this process be killed outright, by a small watchdog that outlives it.
 *
 * initdb and postgres refuse to run as root (tests and CI run as root here), so as root they
 * run as the `postgres` user (`runuser`), which owns the directory. The binaries are taken from
 * PATH, else from /usr/lib/postgresql/<newest>/bin (the Debian package's place); `.ci/run`
 * installs the package when neither has them.
 *
 * One server per test process: {@link sharedPostgres} starts it on first use; each test file
 * makes its own database in it with {@link TestPostgres.createDatabase}.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, chownSync, constants, existsSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export interface PostgresOptions {
  /** `max_prepared_transactions` (default 64; 0 turns two-phase commit off). */
  readonly maxPreparedTransactions?: number;
  /** Keep fsync on (benchmarks); tests run with it off, since the server itself is never crashed. */
  readonly durable?: boolean;
}

/** A running throwaway server. */
export interface TestPostgres {
  /** Its directory: the data directory, the socket and the log are inside. */
  readonly dir: string;
  /** A connection string for database `postgres` as the superuser `postgres`, over the socket. */
  readonly connectionString: string;
  /** Connection string of `database` on this server. */
  connectionStringFor(database: string): string;
  /** Creates a fresh database and returns its connection string. */
  createDatabase(name?: string): Promise<string>;
  /** Runs one statement on `database` (default `postgres`) with a short-lived connection. */
  query<R extends pg.QueryResultRow = Record<string, unknown>>(sql: string, params?: readonly unknown[], database?: string): Promise<R[]>;
  /**
   * Shuts the server down at once, as a crash of it would (open transactions are lost, prepared
   * ones are kept), leaving its data for {@link TestPostgres.start}.
   */
  crash(): Promise<void>;
  /** Starts the server again after {@link TestPostgres.crash}; returns once it takes connections. */
  start(): void;
  /** Stops the server at once and removes its directory. */
  stop(): Promise<void>;
}

/** Where the PostgreSQL server binaries are; throws one line saying how to install them. */
export function postgresBinDir(): string {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && isExecutable(join(dir, 'initdb')) && isExecutable(join(dir, 'pg_ctl'))) return dir;
  }
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) {
    const dir = join(root, v, 'bin');
    if (isExecutable(join(dir, 'initdb'))) return dir;
  }
  throw new Error('PostgreSQL is not installed: no initdb on PATH or in /usr/lib/postgresql/*/bin; install it (Debian: apt-get install postgresql).');
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

const isRoot = process.getuid?.() === 0;

/** Runs a server binary, as `postgres` when this process is root. */
function runAsServerUser(bin: string, args: readonly string[]): void {
  const [cmd, argv] = isRoot ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, [...args]];
  const r = spawnSync(cmd, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) throw new Error(`${bin} ${args.join(' ')} failed (exit ${r.status}): ${r.stderr || r.stdout || r.error?.message}`);
}

/** Where server directories go: as root, TMPDIR may lie under a directory `postgres` cannot enter; /tmp it can. */
function serverBase(): string {
  return isRoot && !traversableByOthers(tmpdir()) ? '/tmp' : tmpdir();
}

/** A temporary directory the server user can reach and own. */
function serverDirectory(prefix = 'flink-pg-'): string {
  const dir = mkdtempSync(join(serverBase(), prefix));
  if (isRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  return dir;
}

function traversableByOthers(path: string): boolean {
  let p = path;
  for (;;) {
    if ((statSync(p).mode & 0o001) === 0) return false;
    const parent = join(p, '..');
    if (parent === p) return true;
    p = parent;
  }
}

function postmasterPid(dataDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Immediate shutdown (SIGQUIT to the postmaster). Returns false if no server was running. Its
 * end shows as its pid file going away: the daemonized postmaster may stay an unreaped zombie
 * where PID 1 does not reap, so the pid itself says nothing.
 */
function stopNow(dataDir: string): boolean {
  const pid = postmasterPid(dataDir);
  if (pid === undefined) return false;
  try {
    process.kill(pid, 'SIGQUIT');
    return true;
  } catch {
    return false;
  }
}

const stopped = (dataDir: string) => !existsSync(join(dataDir, 'postmaster.pid'));

/**
 * The data directory `initdb` makes for these servers (its options are fixed; the server's
 * settings are given at start), made once per machine, user and server binaries and copied into
 * each new server's directory: initdb costs ~1.5 s of CPU, and a test run starts about nine
 * servers (one per test process that needs one, and a few of their own); a copy costs ~0.3 s.
 * Made under a temporary name and renamed into place, so a process that finds it finds it
 * whole, also when two test processes make it at once (the second keeps the first's). It stays
 * in the temporary directory for the next run.
 */
function dataTemplate(bin: string): string {
  const key = createHash('sha256').update(bin).digest('hex').slice(0, 12);
  const dir = join(serverBase(), `flink-pg-template-${key}-${process.getuid?.() ?? 'user'}`);
  const data = join(dir, 'data');
  if (existsSync(join(data, 'PG_VERSION'))) return data;
  const fresh = serverDirectory('flink-pg-template-');
  try {
    runAsServerUser(join(bin, 'initdb'), ['-D', join(fresh, 'data'), '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '-N']);
    try {
      renameSync(fresh, dir);
    } catch (err) {
      // Another process put its template in place first: that one is used.
      if (!existsSync(join(data, 'PG_VERSION'))) throw err;
    }
  } finally {
    rmSync(fresh, { recursive: true, force: true });
  }
  return data;
}

/** Copies a data directory with its owner and modes (the server refuses one others can read). */
function copyDataDirectory(from: string, to: string): void {
  const r = spawnSync('cp', ['-a', from, to], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) throw new Error(`cp -a ${from} ${to} failed (exit ${r.status}): ${r.stderr || r.error?.message}`);
}

/** Starts a fresh server; see the file comment. */
export async function startPostgres(options: PostgresOptions = {}): Promise<TestPostgres> {
  const bin = postgresBinDir();
  const dir = serverDirectory();
  const data = join(dir, 'data');
  const cleanupAtExit = () => {
    // The postmaster removes its pid file on the way out; wait for that briefly.
    if (stopNow(data)) for (let i = 0; !stopped(data) && i < 500; i++) spawnSync('sleep', ['0.01']);
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', cleanupAtExit);
  let watchdog: number | undefined;
  let startServer = (): void => undefined;
  try {
    copyDataDirectory(dataTemplate(bin), data);
    const settings = [
      `listen_addresses=''`,
      `unix_socket_directories='${dir}'`,
      `max_prepared_transactions=${options.maxPreparedTransactions ?? 64}`,
      'max_connections=200',
      ...(options.durable ? [] : ['fsync=off', 'synchronous_commit=off', 'full_page_writes=off']),
    ];
    startServer = () => runAsServerUser(join(bin, 'pg_ctl'), ['-D', data, '-l', join(dir, 'server.log'), '-w', '-t', '60', '-o', settings.map((s) => `-c ${s}`).join(' '), 'start']);
    startServer();
    // Outlives this process if it is killed: stops the server and removes the directory.
    const script = `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; p=$(head -1 '${data}/postmaster.pid' 2>/dev/null); [ -n "$p" ] && kill -QUIT "$p" 2>/dev/null; sleep 2; rm -rf '${dir}'`;
    const dog = spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' });
    dog.unref();
    watchdog = dog.pid;
  } catch (err) {
    cleanupAtExit();
    process.removeListener('exit', cleanupAtExit);
    throw err;
  }
  const connectionStringFor = (database: string) => `postgresql://postgres@/${database}?host=${encodeURIComponent(dir)}`;
  const query = async <R extends pg.QueryResultRow>(sql: string, params: readonly unknown[] = [], database = 'postgres'): Promise<R[]> => {
    const client = new pg.Client({ connectionString: connectionStringFor(database) });
    await client.connect();
    try {
      return (await client.query<R>(sql, params as unknown[])).rows;
    } finally {
      await client.end();
    }
  };
  let databases = 0;
  return {
    dir,
    connectionString: connectionStringFor('postgres'),
    connectionStringFor,
    query,
    async createDatabase(name = `test_${process.pid}_${++databases}`) {
      await query(`CREATE DATABASE "${name}"`);
      return connectionStringFor(name);
    },
    async crash() {
      if (stopNow(data)) for (let i = 0; !stopped(data) && i < 500; i++) await new Promise((r) => setTimeout(r, 10));
    },
    start: () => startServer(),
    async stop() {
      if (stopNow(data)) for (let i = 0; !stopped(data) && i < 500; i++) await new Promise((r) => setTimeout(r, 10));
      rmSync(dir, { recursive: true, force: true });
      process.removeListener('exit', cleanupAtExit);
      if (watchdog !== undefined) {
        try {
          process.kill(watchdog, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
    },
  };
}

let shared: Promise<TestPostgres> | undefined;

/** The server of this test process, started on first use and stopped when the process exits. */
export function sharedPostgres(): Promise<TestPostgres> {
  shared ??= startPostgres();
  return shared;
}
