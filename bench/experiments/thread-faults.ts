/**
 * Where a `flink run` of the JSON orders job (bench/keyed-count-job.ts, the keyed-count bench's
 * CPU-heavy job) takes its page faults and CPU time, thread by thread: over the whole run and
 * over its processing (from the first record a keyed subtask took to the end of the keyed input,
 * the window the bench's rates are over), and on which CPU each thread ran in that window.
 * Samples /proc/<pid>/task/<tid>/{stat,schedstat} every 20 ms (Linux only): a thread's minor
 * faults, its time on a CPU (ns, not 10 ms ticks) and the CPU it last ran on.
 *
 *   node --import tsx bench/experiments/thread-faults.ts [p=2] [rounds=1] [orders=600000] [customers=10000] [job=orders|count]
 *
 * (`count` runs the keyed count instead: its records and keys in place of orders and customers.)
 *
 * (Build first, `npm run build`: `flink run` runs dist/.) Written for issue "All cores", whose
 * lead was that p=2 on workers takes ~2× the minor faults of p=1, each ~10 µs on this
 * Firecracker VM. On the 2-core EPYC VM, idle but for the run (faults in all → in the processing;
 * CPU time of all threads in the processing):
 *   p=1: 29–41k → 5.0–5.6k faults (main thread 4.6–5.3k; 12–15k in two slow runs), CPU 3.4–4.0 s
 *   p=2: 73–80k → 8.2–10.3k faults (each worker 3.1–4.7k), CPU 4.1–4.3 s
 * so ~90% of p=2's extra faults come before the processing: each worker's isolate, its tsx
 * loader thread, and the job file run again in each worker (orderTexts: 10k JSON texts). In the
 * window, ~4.5k extra faults ≈ 45 ms of ~4.1 s; those under the codec and the transferred
 * buffers (msgpackr, encodeColumns, ArrayBuffer backing stores) were ~600 (`perf record -e
 * page-faults`). Most in-window faults at either parallelism are JSON.parse flattening each
 * order text on its first parse (JSON.stringify's ConsStrings) and the scavenger promoting them.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SubtaskFacts } from '../keyed-count-job.js';
import { jobFileCommand } from '../keyed-count.bench.js';

const SAMPLE_MS = 20;

/** One thread at one sample. */
interface ThreadSample {
  readonly minflt: number;
  readonly cpuNs: number;
  readonly cpu: number;
}

interface Sample {
  /** Epoch ms, as the job's facts. */
  readonly at: number;
  readonly threads: Map<number, ThreadSample>;
}

function readThread(pid: number, tid: number): ThreadSample | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    // Fields after the command (which may hold spaces), from field 3: minflt is 10, processor 39.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuNs = Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    return { minflt: Number(f[7]), cpuNs, cpu: Number(f[36]) };
  } catch {
    return undefined; // the thread ended between listing and reading
  }
}

function sample(pid: number): Sample | undefined {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return undefined;
  }
  const threads = new Map<number, ThreadSample>();
  for (const t of tids) {
    const s = readThread(pid, Number(t));
    if (s) threads.set(Number(t), s);
  }
  return { at: Date.now(), threads };
}

/** The last sample taken at or before `at`. */
function sampleAt(samples: readonly Sample[], at: number): Sample {
  let found = samples[0]!;
  for (const s of samples) if (s.at <= at) found = s;
  return found;
}

async function run(p: number, orders: number, customers: number, job: 'orders' | 'count'): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), 'flink-ts-thread-faults-'));
  const factsDir = join(home, 'facts');
  mkdirSync(factsDir);
  try {
    const { args, options } = jobFileCommand(job, orders, customers, p, p, home);
    const child = spawn(process.execPath, args, { ...options, stdio: ['ignore', 'ignore', 'inherit'] });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const samples: Sample[] = [];
    let done = false;
    void exited.then(() => (done = true));
    while (!done) {
      const s = sample(child.pid!);
      if (s) samples.push(s);
      await new Promise((r) => setTimeout(r, SAMPLE_MS));
    }
    const code = await exited;
    if (code !== 0) throw new Error(`flink run exited with ${code}`);

    const facts = readdirSync(factsDir).map((f) => JSON.parse(readFileSync(join(factsDir, f), 'utf8')) as SubtaskFacts);
    const active = facts.filter((f) => f.firstRecordAt > 0);
    const from = Math.min(...active.map((f) => f.firstRecordAt));
    const to = Math.max(...active.map((f) => f.endAt));
    const before = sampleAt(samples, from);
    const after = sampleAt(samples, to);
    // Every thread as last seen (a thread that ended keeps its last figures).
    const last = new Map<number, ThreadSample>();
    for (const s of samples) for (const [tid, t] of s.threads) last.set(tid, t);

    const rows = [...last].map(([tid, t]) => {
      const a = before.threads.get(tid);
      const b = after.threads.get(tid);
      const inWindow = b === undefined ? { minflt: 0, cpuNs: 0 } : { minflt: b.minflt - (a?.minflt ?? 0), cpuNs: b.cpuNs - (a?.cpuNs ?? 0) };
      const onCpu = new Map<number, number>();
      for (const s of samples) {
        const x = s.at >= from && s.at <= to ? s.threads.get(tid) : undefined;
        if (x) onCpu.set(x.cpu, (onCpu.get(x.cpu) ?? 0) + 1);
      }
      return { tid, total: t, inWindow, onCpu };
    });
    rows.sort((x, y) => y.inWindow.cpuNs - x.inWindow.cpuNs || y.total.minflt - x.total.minflt);
    const sum = (f: (r: (typeof rows)[number]) => number) => rows.reduce((s, r) => s + f(r), 0);
    const ms = (ns: number) => (ns / 1e6).toFixed(0);
    console.log(
      `p=${p}: processing ${(to - from).toFixed(0)} ms; faults ${sum((r) => r.total.minflt)} in all, ${sum((r) => r.inWindow.minflt)} in the processing; CPU ${ms(sum((r) => r.total.cpuNs))} ms in all, ${ms(sum((r) => r.inWindow.cpuNs))} ms in the processing`,
    );
    for (const r of rows) {
      if (r.total.minflt < 500 && r.inWindow.cpuNs < 20e6) continue;
      const cpus = [...r.onCpu].sort((x, y) => x[0] - y[0]).map(([c, n]) => `cpu${c} ${n}`).join(', ');
      console.log(
        `  thread ${r.tid}: faults ${r.total.minflt} (processing ${r.inWindow.minflt}), CPU ${ms(r.total.cpuNs)} ms (processing ${ms(r.inWindow.cpuNs)} ms)${cpus ? `; samples in the processing on ${cpus}` : ''}`,
      );
    }
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

const [pArg, roundsArg, ordersArg, customersArg, jobArg] = process.argv.slice(2);
const job = jobArg ?? 'orders';
if (job !== 'orders' && job !== 'count') throw new Error(`job must be orders or count, not ${job}`);
for (let r = 0; r < Number(roundsArg ?? 1); r++) await run(Number(pArg ?? 2), Number(ordersArg ?? 600_000), Number(customersArg ?? 10_000), job);
