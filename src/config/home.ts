import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError } from '../util/errors.js';
import { makeDirectoriesSync } from '../util/make-directories.js';

/** Owner-only: the home holds job history, logs and state that may contain user data. */
const DIR_MODE = 0o700;

/**
 * The home directory: `FLINK_TS_HOME` if set (made absolute against the working directory,
 * a leading `~/` expanded), else `~/.flink-ts`.
 */
export function resolveHome(env: NodeJS.ProcessEnv = process.env): string {
  const userHome = env['HOME'] || os.homedir();
  const configured = env['FLINK_TS_HOME']?.trim();
  if (!configured) return path.join(userHome, '.flink-ts');
  if (configured === '~') return userHome;
  if (configured.startsWith('~/')) return path.join(userHome, configured.slice(2));
  return path.resolve(configured);
}

/** Every path inside a home, so no other part builds home paths by hand. */
export interface HomeLayout {
  /** The home directory itself (absolute). */
  readonly home: string;
  /** The SQLite metadata store. */
  readonly dbPath: string;
  /** Directory of per-job logs. */
  readonly logDir: string;
  /** Default `execution.checkpointing.dir`. */
  readonly checkpointsDir: string;
  /** Default `execution.checkpointing.savepoint-dir`. */
  readonly savepointsDir: string;
  /** The optional `config.yaml`. */
  readonly configPath: string;
  /** The token `flink web` asks of requests that change a job (owner-only). */
  readonly webTokenPath: string;
  /** `log/<jobId>.log`: the job's own log. */
  jobLog(jobId: string): string;
  /** `log/<jobId>.out`: stdout/stderr of a detached job. */
  jobOut(jobId: string): string;
}

/** The layout of `home` (which is made absolute). Pure: touches no files. */
export function homeLayout(home: string): HomeLayout {
  const root = path.resolve(home);
  const logDir = path.join(root, 'log');
  return {
    home: root,
    dbPath: path.join(root, 'flink.db'),
    logDir,
    checkpointsDir: path.join(root, 'checkpoints'),
    savepointsDir: path.join(root, 'savepoints'),
    configPath: path.join(root, 'config.yaml'),
    webTokenPath: path.join(root, 'web-token'),
    jobLog: (jobId) => path.join(logDir, `${jobId}.log`),
    jobOut: (jobId) => path.join(logDir, `${jobId}.out`),
  };
}

/**
 * Creates the home and its `log/` directory with owner-only permissions (tightening existing
 * ones), and checks that both are writable. Returns the layout.
 *
 * @throws ConfigError with one line naming the directory and what to do.
 */
export function ensureHome(home: string): HomeLayout {
  const layout = homeLayout(home);
  for (const dir of [layout.home, layout.logDir]) {
    try {
      makeDirectoriesSync(dir, DIR_MODE);
      const st = fs.statSync(dir);
      if (!st.isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
      tighten(dir, st);
      fs.accessSync(dir, fs.constants.W_OK | fs.constants.X_OK);
    } catch (err) {
      throw new ConfigError(
        `Cannot use FLINK_TS_HOME=${layout.home}: ${reason(err, dir, layout.home)}. ` +
          'Set FLINK_TS_HOME to a writable directory.',
        'config.home',
      );
    }
  }
  return layout;
}

/**
 * chmod to 0700 unless the directory is plainly shared: someone pointing FLINK_TS_HOME at
 * /tmp (sticky) or at a directory owned by another user must not have it locked down.
 */
function tighten(dir: string, st: fs.Stats): void {
  if ((st.mode & 0o777) === DIR_MODE) return;
  const sticky = (st.mode & 0o1000) !== 0;
  const ours = typeof process.getuid !== 'function' || st.uid === process.getuid();
  if (sticky || !ours) return;
  fs.chmodSync(dir, DIR_MODE);
}

function reason(err: unknown, dir: string, home: string): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const where = dir === home ? '' : ` (${path.relative(home, dir)}/)`;
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return `permission denied${where}`;
    case 'ENOTDIR':
    case 'EEXIST':
      return `${dir} is not a directory`;
    case 'EROFS':
      return `read-only file system${where}`;
    case 'ENOSPC':
      return `no space left on device${where}`;
    case 'ENOENT':
      // Its parent exists (makeDirectoriesSync made it) yet the system refuses it: under /proc.
      return `${(err as NodeJS.ErrnoException).path ?? dir} cannot be created there`;
    default:
      return `${err instanceof Error ? err.message : String(err)}${where}`;
  }
}
