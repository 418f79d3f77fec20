import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { HomeLayout } from '../config/index.js';

/** Set in a detached job's environment: the id `flink run -d` already created its row with. */
export const DETACHED_JOB_ID_ENV = 'FLINK_TS_DETACHED_JOB_ID';

const BIN = fileURLToPath(new URL('../../bin/flink', import.meta.url));

/**
 * Starts `flink run <same options> <job> <args>` as a detached background process: its own
 * session (so closing the terminal does not hang it up), stdout to `log/<jobId>.out`, stderr
 * to `log/<jobId>.log` (both owner-only). Returns the child's pid.
 */
export function launchDetached(opts: {
  readonly jobId: string;
  readonly layout: HomeLayout;
  readonly runArgs: readonly string[];
}): { pid: number; exited: Promise<number | null> } {
  const out = openSync(opts.layout.jobOut(opts.jobId), 'a', 0o600);
  const log = openSync(opts.layout.jobLog(opts.jobId), 'a', 0o600);
  try {
    const child = spawn(process.execPath, [BIN, 'run', ...opts.runArgs], {
      detached: true,
      stdio: ['ignore', out, log],
      env: { ...process.env, [DETACHED_JOB_ID_ENV]: opts.jobId },
    });
    const exited = new Promise<number | null>((resolve) => {
      child.once('exit', (code) => resolve(code));
      child.once('error', () => resolve(null));
    });
    child.unref();
    return { pid: child.pid ?? -1, exited };
  } finally {
    closeSync(out);
    closeSync(log);
  }
}
