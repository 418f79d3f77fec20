import { readFileSync } from 'node:fs';

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
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The state follows the parenthesised command name, which may itself contain spaces.
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return true; // no /proc (not Linux) or it vanished: trust signal 0
  }
}
