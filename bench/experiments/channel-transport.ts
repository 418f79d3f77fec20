/**
 * The experiment behind the cross-thread channel's design (README, "Workers"): one channel from
 * the main thread to a worker, batches of 1024 keyed records encoded with the engine's codec,
 * credit-based backpressure with 16 buffers in flight — over a MessagePort with the buffer
 * transferred, and over a SharedArrayBuffer ring (length-prefixed frames, Atomics.waitAsync
 * to wake the other side, as a cooperative scheduler must: it may not block). Prints records/s,
 * the producer's time per batch (what the sending thread pays), and the idle one-event latency.
 *
 *   node --import tsx bench/experiments/channel-transport.ts [batches=3000]
 */
import { performance } from 'node:perf_hooks';
import { MessageChannel, type MessagePort, Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { decodeEvent, encodeEvent } from '../../src/runtime/batch-codec.js';
import { RecordBatch, Watermark } from '../../src/runtime/channel-events.js';

const BATCH = 1024;
const CREDITS = 16;
const RING_BYTES = 4 << 20;
const now = () => performance.timeOrigin + performance.now();

/** Atomics.waitAsync (in Node 20, not yet in TypeScript's lib for this target). */
const waitAsync = (Atomics as unknown as { waitAsync(a: Int32Array, i: number, v: number, t: number): { value: Promise<string> | string } }).waitAsync;

function batch(n: number): RecordBatch {
  const values: unknown[] = [];
  const keys: unknown[] = [];
  const groups: number[] = [];
  for (let i = 0; i < BATCH; i++) {
    const key = (n * BATCH + i) % 10_000;
    values.push({ key, amount: i & 7 });
    keys.push(key);
    groups.push(key & 127);
  }
  return new RecordBatch(values, keys, groups);
}

// ---- SharedArrayBuffer ring: [0] write offset, [1] read offset (bytes, monotonically growing); data after the header.
const HEADER = 16;
class Ring {
  readonly idx: Int32Array;
  readonly data: Uint8Array;
  constructor(readonly sab: SharedArrayBuffer) {
    this.idx = new Int32Array(sab, 0, 4);
    this.data = new Uint8Array(sab, HEADER);
  }
  /** Writes one frame if it fits; false = full. */
  write(bytes: Uint8Array): boolean {
    const cap = this.data.length;
    const w = Atomics.load(this.idx, 0);
    const r = Atomics.load(this.idx, 1);
    const need = 4 + bytes.length;
    let at = w % cap;
    let skip = 0;
    if (at + need > cap) skip = cap - at; // frames never wrap: jump to the start
    if (w + skip + need - r > cap) return false;
    if (skip > 0) {
      if (skip >= 4) new DataView(this.data.buffer, HEADER + at, 4).setInt32(0, -1);
      at = 0;
    }
    new DataView(this.data.buffer, HEADER + at, 4).setInt32(0, bytes.length);
    this.data.set(bytes, at + 4);
    Atomics.store(this.idx, 0, w + skip + need);
    Atomics.notify(this.idx, 0);
    return true;
  }
  read(): Uint8Array | undefined {
    const cap = this.data.length;
    let r = Atomics.load(this.idx, 1);
    const w = Atomics.load(this.idx, 0);
    if (r === w) return undefined;
    let at = r % cap;
    if (cap - at < 4 || new DataView(this.data.buffer, HEADER + at, 4).getInt32(0) === -1) {
      r += cap - at;
      at = 0;
    }
    const len = new DataView(this.data.buffer, HEADER + at, 4).getInt32(0);
    const out = this.data.slice(at + 4, at + 4 + len);
    Atomics.store(this.idx, 1, r + 4 + len);
    Atomics.notify(this.idx, 1);
    return out;
  }
}

async function consumer(): Promise<void> {
  const { kind, port, sab } = workerData as { kind: 'port' | 'ring'; port: MessagePort; sab: SharedArrayBuffer };
  let records = 0;
  let latencyProbe = false;
  const handle = (bytes: Uint8Array): boolean => {
    const e = decodeEvent(bytes);
    if (e instanceof RecordBatch) records += e.values.length;
    else if (e instanceof Watermark) {
      if (e.timestamp === -1) return false;
      latencyProbe = true;
      parentPort!.postMessage({ latencyMs: now() - e.timestamp / 1000 });
    }
    return true;
  };
  if (kind === 'port') {
    let taken = 0;
    await new Promise<void>((resolve) => {
      port.on('message', (bytes: Uint8Array) => {
        const more = handle(bytes);
        if (++taken >= CREDITS / 2) {
          port.postMessage(taken);
          taken = 0;
        }
        if (!more) resolve();
      });
    });
    port.close();
  } else {
    const ring = new Ring(sab);
    for (;;) {
      const bytes = ring.read();
      if (bytes) {
        if (!handle(bytes)) break;
        continue;
      }
      await waitAsync(ring.idx, 0, Atomics.load(ring.idx, 0), 50).value;
    }
  }
  parentPort!.postMessage({ records, latencyProbe });
}

async function producer(kind: 'port' | 'ring', batches: number): Promise<{ recordsPerSec: number; sendUsPerBatch: number; latencyMs: number }> {
  const mc = new MessageChannel();
  const sab = new SharedArrayBuffer(HEADER + RING_BYTES);
  // The worker runs this file through tsx, registered inside it (Node 20 does not pass --import hooks on).
  const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(import.meta.url)}); })`;
  const worker = new Worker(boot, { eval: true, workerData: { kind, port: mc.port2, sab }, transferList: [mc.port2] });
  const results: Record<string, number | boolean>[] = [];
  worker.on('message', (m: Record<string, number | boolean>) => results.push(m));
  const ring = new Ring(sab);
  let credits = CREDITS;
  let wakeProducer: (() => void) | undefined;
  mc.port1.on('message', (n: number) => {
    credits += n;
    wakeProducer?.();
  });
  const encoded = Array.from({ length: 8 }, (_, i) => batch(i));
  let sendMs = 0;
  const send = async (bytes: Uint8Array): Promise<void> => {
    if (kind === 'port') {
      while (credits <= 0) await new Promise<void>((r) => (wakeProducer = r));
      const t = performance.now();
      const own = new Uint8Array(bytes.length);
      own.set(bytes);
      mc.port1.postMessage(own, [own.buffer]);
      credits--;
      sendMs += performance.now() - t;
    } else {
      for (;;) {
        const t = performance.now();
        const ok = ring.write(bytes);
        sendMs += performance.now() - t;
        if (ok) return;
        await waitAsync(ring.idx, 1, Atomics.load(ring.idx, 1), 50).value;
      }
    }
  };
  await new Promise((r) => setTimeout(r, 200)); // the worker starts
  const start = performance.now();
  for (let i = 0; i < batches; i++) {
    const t = performance.now();
    const bytes = encodeEvent(encoded[i & 7]!);
    sendMs += performance.now() - t;
    await send(bytes);
  }
  // Idle latency: the pipe drained, one small event.
  await new Promise((r) => setTimeout(r, 300));
  const elapsed = performance.now() - start - 300;
  await send(encodeEvent(new Watermark(Math.round(now() * 1000))));
  await new Promise((r) => setTimeout(r, 100));
  await send(encodeEvent(new Watermark(-1)));
  await new Promise<void>((r) => worker.once('exit', () => r()));
  mc.port1.close();
  const latency = results.find((m) => typeof m.latencyMs === 'number')!.latencyMs as number;
  const done = results.find((m) => typeof m.records === 'number')!;
  if (done.records !== batches * BATCH) throw new Error(`${kind}: ${done.records} records arrived, ${batches * BATCH} sent`);
  return { recordsPerSec: (batches * BATCH) / (elapsed / 1000), sendUsPerBatch: (sendMs * 1000) / batches, latencyMs: latency };
}

// Atomics.waitAsync holds no handle: without one, a thread waiting only on it would end.
const keepAlive = setInterval(() => {}, 1000);
if (isMainThread) {
  const batches = Number(process.argv[2] ?? 3000);
  for (let round = 0; round < 3; round++) {
    for (const kind of (process.argv[3] ? [process.argv[3]] : ['port', 'ring']) as ('port' | 'ring')[]) {
      const r = await producer(kind, batches);
      console.log(
        `${kind === 'port' ? 'MessagePort+transfer' : 'SharedArrayBuffer ring'}: ${(r.recordsPerSec / 1e6).toFixed(2)} M records/s, ` +
          `encode+send ${r.sendUsPerBatch.toFixed(0)} µs per 1024-record batch on the sending thread, idle latency ${r.latencyMs.toFixed(2)} ms`,
      );
    }
  }
} else {
  await consumer();
}
clearInterval(keepAlive);
