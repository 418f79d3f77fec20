/**
 * The channel contract, against both implementations: the LocalChannel (one thread) and the
 * MessagePort channel (here both ends in one thread, as between threads: a message comes as an
 * event when the thread yields, or is taken at once when the receiving end asks). Every event
 * comes out as it went in, in order; a producer without room or credit is full; the consumer's
 * progress makes room.
 */
import assert from 'node:assert/strict';
import { MessageChannel } from 'node:worker_threads';
import { setImmediate as tick } from 'node:timers/promises';
import { afterEach, describe, test } from 'node:test';
import {
  CheckpointBarrier,
  type ChannelEvent,
  EndOfInput,
  type InputChannel,
  LocalChannel,
  RecordBatch,
  type ResultSubpartition,
  Watermark,
  WatermarkStatus,
} from '../../../src/runtime/index.js';
import { PortInputChannel, PortSubpartition } from '../../../src/runtime/workers/index.js';
import { MIN_TIMESTAMP } from '../../../src/util/time.js';

interface Ends {
  readonly out: ResultSubpartition;
  readonly in: InputChannel;
  /** Lets messages in flight arrive. */
  settle(): Promise<void>;
  close(): void;
}

const IMPLEMENTATIONS: ReadonlyArray<readonly [string, (capacity: number) => Ends]> = [
  [
    'LocalChannel',
    (capacity) => {
      const c = new LocalChannel(capacity);
      return { out: c, in: c, settle: async () => {}, close: () => {} };
    },
  ],
  [
    'MessagePort channel',
    (capacity) => {
      const { port1, port2 } = new MessageChannel();
      // Batches of one record go out as pushed: the contract is about events, not coalescing.
      const out = new PortSubpartition(port1, capacity, 1, () => {});
      const input = new PortInputChannel(port2, capacity, () => {});
      return {
        out,
        in: input,
        settle: async () => {
          for (let i = 0; i < 5; i++) await tick();
        },
        close: () => {
          out.close();
          input.close();
        },
      };
    },
  ],
];

/** Every kind of event, records with keys, key groups and timestamps among them. */
function sampleEvents(): ChannelEvent[] {
  return [
    new RecordBatch([{ a: 1 }, 'two', 3n, new Map([['k', [1, 2]]])], ['x', 'y', 'z', 'w'], [7, 8, 9, 10], Float64Array.from([1, 2, -Number.MAX_SAFE_INTEGER, 4])),
    new Watermark(1234),
    WatermarkStatus.IDLE,
    WatermarkStatus.ACTIVE,
    new CheckpointBarrier(5, 1_700_000_000_000, { isSavepoint: false, aligned: true }),
    new RecordBatch([1, 2, 3], undefined, undefined),
    EndOfInput.INSTANCE,
  ];
}

function drain(c: InputChannel): ChannelEvent[] {
  const got: ChannelEvent[] = [];
  for (let e = c.poll(); e !== undefined; e = c.poll()) got.push(e);
  return got;
}

for (const [name, make] of IMPLEMENTATIONS) {
  describe(`channel contract: ${name}`, () => {
    // An open port keeps the test process alive: close every channel, even after a failure.
    const open: Ends[] = [];
    const create = (capacity: number): Ends => {
      const ends = make(capacity);
      open.push(ends);
      return ends;
    };
    afterEach(() => {
      for (const ends of open.splice(0)) ends.close();
    });
    test('events come out equal and in order: batches with keys, key groups and timestamps, watermarks, status, barriers, end of input', async () => {
      const ch = create(100);
      const sent = sampleEvents();
      for (const e of sent) ch.out.push(e);
      await ch.settle();
      const got = drain(ch.in);
      assert.equal(got.length, sent.length);
      const batch = got[0] as RecordBatch;
      assert.ok(batch instanceof RecordBatch);
      assert.deepEqual(batch.values, (sent[0] as RecordBatch).values);
      assert.deepEqual(Array.from(batch.keys!), ['x', 'y', 'z', 'w']);
      assert.deepEqual(Array.from(batch.keyGroups!), [7, 8, 9, 10]);
      assert.deepEqual(Array.from(batch.timestamps!), [1, 2, -Number.MAX_SAFE_INTEGER, 4]);
      assert.ok(got[1] instanceof Watermark && got[1].timestamp === 1234);
      assert.equal(got[2], WatermarkStatus.IDLE);
      assert.equal(got[3], WatermarkStatus.ACTIVE);
      assert.ok(got[4] instanceof CheckpointBarrier);
      assert.deepEqual({ ...(got[4] as CheckpointBarrier) }, { ...(sent[4] as CheckpointBarrier) });
      assert.ok(got[5] instanceof RecordBatch && got[5].keys === undefined && got[5].timestamps === undefined);
      assert.deepEqual((got[5] as RecordBatch).values, [1, 2, 3]);
      assert.equal(got[6], EndOfInput.INSTANCE);
      assert.ok(ch.in.isEmpty());
      ch.close();
    });

    test('a producer is full once the consumer holds its capacity, and has room again as the consumer takes events', async () => {
      const ch = create(4);
      for (let i = 0; i < 4; i++) {
        assert.equal(ch.out.isFull(), false, `room for event ${i}`);
        ch.out.push(new RecordBatch([i], undefined, undefined));
      }
      assert.equal(ch.out.isFull(), true);
      await ch.settle();
      assert.equal(ch.out.isFull(), true, 'nothing taken yet: still full');
      const first = ch.in.poll() as RecordBatch;
      assert.deepEqual(first.values, [0]);
      ch.in.poll();
      await ch.settle();
      assert.equal(ch.out.isFull(), false, 'two taken: room again');
      drain(ch.in);
      ch.close();
    });

    test('many batches through a small channel, the producer writing only while it has room: all arrive in order', async () => {
      const ch = create(3);
      const total = 500;
      let next = 0;
      const got: number[] = [];
      while (got.length < total) {
        while (next < total && !ch.out.isFull()) ch.out.push(new RecordBatch([next++, next], undefined, undefined));
        await ch.settle();
        for (let e = ch.in.poll(); e !== undefined; e = ch.in.poll()) got.push(((e as RecordBatch).values[0] as number));
      }
      assert.deepEqual(got, Array.from({ length: total }, (_, i) => i));
      ch.close();
    });
  });
}

describe('MessagePort channel: coalescing', () => {
  test('small batches go out as one message of at least batchSize records, in order, before any other event and when the thread yields', async () => {
    const { port1, port2 } = new MessageChannel();
    const out = new PortSubpartition(port1, 16, 4, () => {});
    const input = new PortInputChannel(port2, 16, () => {});
    const keyed = (from: number, n: number, withTimestamps: boolean) =>
      new RecordBatch(
        Array.from({ length: n }, (_, i) => ({ v: from + i })),
        Array.from({ length: n }, (_, i) => `k${from + i}`),
        Array.from({ length: n }, (_, i) => from + i),
        withTimestamps ? Float64Array.from({ length: n }, (_, i) => 100 + from + i) : undefined,
      );
    try {
      out.push(keyed(0, 2, false));
      out.push(keyed(2, 1, true));
      out.push(keyed(3, 3, false)); // 6 records held: at least 4, out as one message
      out.push(keyed(6, 1, false));
      out.push(new Watermark(50)); // the held record goes out first
      out.push(keyed(7, 2, false)); // held until this thread yields
      await tick();
      await tick();
      const got = drain(input);
      assert.equal(got.length, 4);
      const first = got[0] as RecordBatch;
      assert.deepEqual(first.values, [0, 1, 2, 3, 4, 5].map((v) => ({ v })));
      assert.deepEqual(Array.from(first.keys!), ['k0', 'k1', 'k2', 'k3', 'k4', 'k5']);
      assert.deepEqual(Array.from(first.keyGroups!), [0, 1, 2, 3, 4, 5]);
      assert.deepEqual(Array.from(first.timestamps!), [MIN_TIMESTAMP, MIN_TIMESTAMP, 102, MIN_TIMESTAMP, MIN_TIMESTAMP, MIN_TIMESTAMP]);
      assert.deepEqual((got[1] as RecordBatch).values, [{ v: 6 }]);
      assert.equal((got[1] as RecordBatch).timestamps, undefined);
      assert.ok(got[2] instanceof Watermark && got[2].timestamp === 50);
      assert.deepEqual((got[3] as RecordBatch).values, [{ v: 7 }, { v: 8 }]);
    } finally {
      out.close();
      input.close();
    }
  });
});

describe('MessagePort channel: between event-loop turns', () => {
  test('events and credit cross without the receiving thread yielding: a scheduler slice sees what arrived during it', () => {
    const { port1, port2 } = new MessageChannel();
    const out = new PortSubpartition(port1, 1, 1, () => {});
    const input = new PortInputChannel(port2, 1, () => {});
    try {
      // All of this runs in one synchronous stretch: no 'message' event can be delivered.
      out.push(new RecordBatch([{ v: 1 }], undefined, undefined));
      assert.equal(out.isFull(), true, 'the one credit is spent');
      assert.equal(input.isEmpty(), false, 'the batch is there before the consumer yields');
      assert.deepEqual((input.poll() as RecordBatch).values, [{ v: 1 }]);
      assert.equal(out.isFull(), false, 'the credit the consumer gave back is there before the producer yields');
      out.push(new Watermark(5));
      assert.equal(out.isFull(), true);
      assert.ok(input.poll() instanceof Watermark);
      assert.equal(out.isFull(), false);
      out.push(EndOfInput.INSTANCE);
      assert.equal(input.poll(), EndOfInput.INSTANCE);
      assert.equal(input.poll(), undefined);
    } finally {
      out.close();
      input.close();
    }
  });
});
