import { setTimeout as sleep } from 'node:timers/promises';
import { isProcessAlive, readProcStat } from '../util/process.js';

/**
 * A job's OS process as flink.db records it: its pid and when it started. The start time tells
 * the job's process from a later one that got the same pid (after it died, or a reboot), so a
 * reused pid is never taken for the job's, and never killed in its place.
 */
export interface ProcessIdentity {
  readonly pid: number;
  /** Clock ticks since boot (Linux `/proc/<pid>/stat` field 22); null where unknown. */
  readonly startTime: number | null;
}

/** What is known of a process: gone (or a zombie), stopped (SIGSTOP, a debugger), or running. */
export type ProcessState = 'gone' | 'stopped' | 'running';

/** The start time of process `pid`, or null if it cannot be known (no /proc, or no such process). */
export function processStartTime(pid: number): number | null {
  const st = readProcStat(pid);
  return st !== undefined && Number.isSafeInteger(st.startTime) ? st.startTime : null;
}

/** This process, for recording as a job's owner. */
export function ownProcess(): ProcessIdentity {
  return { pid: process.pid, startTime: processStartTime(process.pid) };
}

/**
 * The state of the process `id` names. A zombie (dead, not yet reaped — e.g. under an init that
 * reaps late) is gone; so is a live process with the same pid but another start time.
 */
export function processState(id: ProcessIdentity): ProcessState {
  if (!Number.isSafeInteger(id.pid) || id.pid <= 0 || !isProcessAlive(id.pid)) return 'gone';
  const st = readProcStat(id.pid);
  if (st === undefined) return 'running';
  if (id.startTime !== null && st.startTime !== id.startTime) return 'gone';
  return st.state === 'T' || st.state === 't' ? 'stopped' : 'running';
}

/** True if the process `id` names is alive (running or stopped). */
export function isAlive(id: ProcessIdentity): boolean {
  return processState(id) !== 'gone';
}

/** How a {@link terminateProcess} went. */
export type Termination = 'gone' | 'terminated' | 'killed' | { readonly refused: string };

/** How often a process being stopped is looked at. */
const POLL_MS = 25;
/** How long a SIGKILLed process may take to disappear. */
const KILL_WAIT_MS = 5_000;

/**
 * Ends process `id`: SIGTERM, and SIGKILL if it is still alive after `graceMs`. A stopped process
 * (SIGSTOP) gets SIGKILL at once: it cannot act on SIGTERM, and waking it would let it run
 * again. Resolves once it is gone; `refused` (with the reason) if it may not be signalled.
 */
export async function terminateProcess(id: ProcessIdentity, graceMs: number): Promise<Termination> {
  const state = processState(id);
  if (state === 'gone') return 'gone';
  const signal = (sig: NodeJS.Signals): string | undefined => {
    try {
      process.kill(id.pid, sig);
      return undefined;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      return code === 'ESRCH' ? undefined : code === 'EPERM' ? 'permission denied' : (err as Error).message;
    }
  };
  if (state === 'running') {
    const refused = signal('SIGTERM');
    if (refused !== undefined) return { refused };
    if (await waitUntilGone(id, graceMs)) return 'terminated';
  }
  const refused = signal('SIGKILL');
  if (refused !== undefined) return { refused };
  if (await waitUntilGone(id, KILL_WAIT_MS)) return 'killed';
  return { refused: `it is still alive ${KILL_WAIT_MS} ms after SIGKILL` };
}

/**
 * SIGKILLs a stopped (SIGSTOPped) process and blocks until it is gone, for callers that cannot
 * wait asynchronously (its locks go with it: see liveness.ts). True if it is gone.
 */
export function killStoppedProcessSync(id: ProcessIdentity): boolean {
  if (processState(id) !== 'stopped') return processState(id) === 'gone';
  try {
    process.kill(id.pid, 'SIGKILL');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') return false;
  }
  const pause = new Int32Array(new SharedArrayBuffer(4));
  const deadline = Date.now() + KILL_WAIT_MS;
  // A zombie (dead, not yet reaped by its parent) holds no locks any more: as good as gone here.
  while (processState(id) !== 'gone' && readProcStat(id.pid)?.state !== 'Z') {
    if (Date.now() >= deadline) return false;
    Atomics.wait(pause, 0, 0, POLL_MS);
  }
  return true;
}

async function waitUntilGone(id: ProcessIdentity, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (processState(id) === 'gone') return true;
    if (Date.now() >= deadline) return false;
    await sleep(POLL_MS);
  }
}
