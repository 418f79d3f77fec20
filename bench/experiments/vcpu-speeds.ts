/**
 * How fast each CPU of this machine runs the JSON orders work (parse, price, total per customer:
 * the keyed-count bench's CPU-heavy job as a plain loop), a process pinned to it with `taskset`:
 * each CPU alone, then every CPU at once. A process's time is its thread's time on a CPU
 * (/proc/thread-self/schedstat) per record, after a warm-up; Linux only.
 *
 *   node --import tsx bench/experiments/vcpu-speeds.ts [rounds=3] [orders=150000]
 *
 * Why: a job at parallelism 2 on two workers keeps one worker on each CPU, each with half the
 * records (the source's splits are fixed), so it ends when the worker on the slower CPU does,
 * while a job at p=1 runs on whichever CPU Linux puts its thread. On the 2-core EPYC Firecracker
 * VM, idle but for this, both CPUs ran the loop at 4.6–5.5 µs a record most of the time, and one
 * of them (cpu0 mostly, once cpu1) at 8.1–9.2 µs for stretches of minutes, with nothing else
 * running in the VM (its steal time reads 0: the host's other tenants do not show). A worker
 * then took 7–18% more CPU time than its twin on the other CPU for the same work, and p=2 on
 * workers was 1.14× p=1 in one such stretch and 1.71× in the next quiet minute.
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { customerOf, orderTexts, price } from '../json-orders-data.js';

const CUSTOMERS = 10_000;
const WARMUP = 50_000;

/** This thread's time on a CPU, in ms. */
function threadCpuMs(): number {
  return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e6;
}

/** The loop, in a pinned child: prints µs of CPU time per record. */
function child(orders: number): void {
  const texts = orderTexts(CUSTOMERS);
  const totals = new Map<string, number>();
  const loop = (from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const p = price(texts[customerOf(i, CUSTOMERS)]!);
      totals.set(p.customer, (totals.get(p.customer) ?? 0) + p.cents);
    }
  };
  loop(0, WARMUP);
  const t = threadCpuMs();
  loop(WARMUP, WARMUP + orders);
  process.stdout.write(String(((threadCpuMs() - t) * 1000) / orders));
}

/** Runs the loop pinned to `cpu`; resolves to µs per record. */
function pinned(cpu: number, orders: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const p = spawn('taskset', ['-c', String(cpu), process.execPath, '--import', 'tsx', fileURLToPath(import.meta.url), '--child', String(orders)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.once('error', reject);
    p.once('exit', (code) => (code === 0 ? resolve(Number(out)) : reject(new Error(`child on cpu${cpu} exited with ${code}`))));
  });
}

if (process.argv[2] === '--child') child(Number(process.argv[3]));
else {
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' });
  } catch {
    throw new Error('vcpu-speeds needs taskset (util-linux)');
  }
  const rounds = Number(process.argv[2] ?? 3);
  const orders = Number(process.argv[3] ?? 150_000);
  const cpus = Array.from({ length: availableParallelism() }, (_, c) => c);
  const us = (x: number) => x.toFixed(2);
  for (let r = 0; r < rounds; r++) {
    const alone: number[] = [];
    for (const c of cpus) alone.push(await pinned(c, orders));
    const together = await Promise.all(cpus.map((c) => pinned(c, orders)));
    console.log(
      `µs a record, alone: ${cpus.map((c) => `cpu${c} ${us(alone[c]!)}`).join(', ')}; all at once: ${cpus.map((c) => `cpu${c} ${us(together[c]!)}`).join(', ')} (slowest ÷ fastest alone: ${(Math.max(...together) / Math.min(...alone)).toFixed(2)})`,
    );
  }
}
