import { execFileSync } from 'node:child_process';
import { cpus, loadavg, platform, arch, totalmem } from 'node:os';

/** Where and when a bench ran: what a reader needs to weigh its figures. */
export interface MeasuredOn {
  /** ISO 8601. */
  readonly date: string;
  /** `git rev-parse HEAD`, with `+changes` when the work tree differed from it. */
  readonly commit: string;
  readonly cores: number;
  readonly cpu: string;
  readonly node: string;
  readonly os: string;
  readonly memoryGiB: number;
  /** The 1-minute load average when the bench started: above the core count, others were running. */
  readonly load: number;
}

function git(args: string[]): string | undefined {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

export function measuredOn(now = new Date()): MeasuredOn {
  const head = git(['rev-parse', 'HEAD']) ?? 'unknown';
  const dirty = (git(['status', '--porcelain', '--untracked-files=no']) ?? '') !== '';
  const cpu = cpus();
  return {
    date: now.toISOString(),
    commit: dirty ? `${head}+changes` : head,
    cores: cpu.length,
    cpu: cpu[0]?.model.trim() ?? 'unknown',
    node: process.version,
    os: `${platform()} ${arch()}`,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    load: Math.round(loadavg()[0]! * 100) / 100,
  };
}
