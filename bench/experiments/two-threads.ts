/**
 * What this machine gives two threads, with no engine: the keyed-count bench's two workloads as
 * hand-written loops (the keyed count: a Map get and set per event; JSON orders: parse, price,
 * and totals per customer), run on one worker thread alone, then on two worker threads at once,
 * each doing half the work: its half of the keys (as a keyBy at parallelism 2 gives each keyed
 * subtask) or, for JSON orders, also its half of the records by index (as each source subtask
 * reads them: every thread then parses texts of every customer). Nothing crosses threads.
 *
 *   node --import tsx bench/experiments/two-threads.ts [rounds=3]
 *
 * The ratio "two at once" is the speed-up the machine allows a job at parallelism 2 on two
 * workers before anything the engine adds (encoding, copying, a worker's own JIT and GC): the
 * ceiling for the keyed-count bench's p=2-on-workers figures against p=1.
 *
 * On the 2-core EPYC these sessions run on, load ≈ 1, two runs of three rounds each:
 *   JSON orders, split by keys:  1.73–2.01× (one noisy run: 1.41–2.18×)
 *   JSON orders, split by index: 1.76–1.83× (outliers 1.15× and 1.50×: the host's other tenants)
 *   keyed count, split by keys:  1.63–1.73× (each half 1.16–1.23× its share of one thread's time)
 * So two threads doing half the work each, with nothing shared, finish 1.6–1.9× as fast as one,
 * not 2×: the cores share the memory system (and the host), and the keyed count, whose time is
 * mostly cache misses in its Map, loses most.
 */
import { performance } from 'node:perf_hooks';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { customerOf, orderTexts, price } from '../json-orders-data.js';

interface Job {
  readonly kind: 'orders' | 'count';
  /**
   * This thread's share: its part of the keys (as a keyed subtask has), or its part of the
   * records by index (as a source subtask reads them; JSON orders only).
   */
  readonly split: 'keys' | 'index';
  readonly part: number;
  readonly parts: number;
}

const ORDERS = 600_000;
const CUSTOMERS = 10_000;
const EVENTS = 10_000_000;
const KEYS = 100_000;

/** The work of one thread; returns its time in ms. */
function work(job: Job): number {
  if (job.kind === 'orders') {
    const texts = orderTexts(CUSTOMERS);
    const totals = new Map<string, { orders: number; cents: number }>();
    const t = performance.now();
    for (let i = 0; i < ORDERS; i++) {
      const c = customerOf(i, CUSTOMERS);
      if ((job.split === 'keys' ? c % job.parts : Math.floor((i * job.parts) / ORDERS)) !== job.part) continue;
      const p = price(texts[c]!);
      const s = totals.get(p.customer);
      if (s === undefined) totals.set(p.customer, { orders: 1, cents: p.cents });
      else {
        s.orders++;
        s.cents += p.cents;
      }
    }
    return performance.now() - t;
  }
  const counts = new Map<number, number>();
  const t = performance.now();
  for (let i = 0; i < EVENTS; i++) {
    const key = (i * 7919) % KEYS;
    if (key % job.parts !== job.part) continue;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return performance.now() - t;
}

/** A worker that loads this file through tsx, as the engine's workers load a job file. */
const WORKER_BOOT = new URL(
  `data:text/javascript,${encodeURIComponent(`import { register } from ${JSON.stringify(import.meta.resolve('tsx/esm/api'))}; register(); await import(${JSON.stringify(import.meta.url)});`)}`,
);

function onWorkers(jobs: readonly Job[]): Promise<number[]> {
  return Promise.all(
    jobs.map(
      (job) =>
        new Promise<number>((resolve, reject) => {
          const w = new Worker(WORKER_BOOT, { workerData: job });
          w.once('message', (ms: number) => resolve(ms));
          w.once('error', reject);
        }),
    ),
  );
}

if (!isMainThread) {
  parentPort!.postMessage(work(workerData as Job));
} else {
  const rounds = Number(process.argv[2] ?? 3);
  for (const [kind, split] of [['orders', 'keys'], ['orders', 'index'], ['count', 'keys']] as const) {
    for (let r = 0; r < rounds; r++) {
      const [alone] = await onWorkers([{ kind, split, part: 0, parts: 1 }]);
      const both = await onWorkers([0, 1].map((part) => ({ kind, split, part, parts: 2 })));
      const slowest = Math.max(...both);
      console.log(
        `${kind}, split by ${split}: one thread ${alone!.toFixed(0)} ms; two at once ${both.map((ms) => ms.toFixed(0)).join(' / ')} ms → ${(alone! / slowest).toFixed(2)}× (each half took ${((2 * slowest) / alone!).toFixed(2)}× its share of the one thread's time)`,
      );
    }
  }
}
