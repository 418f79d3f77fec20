import { readFileSync } from 'node:fs';

/**
 * A process's state letter (`R`, `S`, `T` stopped, `Z` zombie, …) and start time (clock ticks
 * since boot) from `/proc/<pid>/stat`; undefined without /proc (not Linux) or the process.
 */
export function readProcStat(pid: number): { readonly state: string; readonly startTime: number } | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The fields after the parenthesised command name (which may itself hold spaces and parentheses):
  // rest[0] is field 3 (state), so field 22 (starttime) is rest[19].
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { state: rest[0] ?? '', startTime: Number(rest[19]) };
}

/**
 * True if a live process has this pid. Signal 0 checks existence without sending anything; a
 * zombie (killed, not yet reaped by its parent — e.g. under an init that reaps late) exists but
 * is dead, so on Linux its state in /proc decides.
 */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const st = readProcStat(pid);
  // No /proc (not Linux) or it vanished just now: trust signal 0.
  return st === undefined || (st.state !== 'Z' && st.state !== 'X');
}
