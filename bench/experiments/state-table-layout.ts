/**
 * The experiment behind the heap table's layout (state/heap-state-table.ts): a keyed count's Map
 * work — get, then set — over K keys, with the keys in one Map, or spread over one Map per key
 * group (128, the default max parallelism), or in an int table per key group, in the bench's key
 * order ((i · 7919) mod K) and in a random one. Only the table work is timed; the key group of
 * each key is worked out beforehand.
 *
 *   node --import tsx bench/experiments/state-table-layout.ts [events=10000000] [keys=100000]
 *
 * On a quiet 2-core EPYC, 10M events over 100k keys, three rounds: in the bench's order one Map
 * took 314–325 ms and one Map per key group 382–419 ms; in a random order 369–399 ms against
 * 438–484 ms. The split layout costs more in either order, not only in the bench's.
 *
 * The int table per key group (IntKeyTable, the heap table's layout for int32 keys since; a key
 * and its value side by side, a write after a read of the same key without a probe), same
 * machine another day: 256–260 ms in the bench's order and 275–283 ms in a random one, against
 * 354–381 and 426–449 ms for a Map per key group and 293 and 358–360 ms for one Map.
 *
 * Why the heap table kept one Map per key group before that (it still does for keys that are not
 * int32): a table with one Map per state and each key group's keys in a Set beside it (tried twice: values in the Map, and entry objects shared by
 * the Map and the Sets) ran the engine's keyed count ~10% faster, but in the same session's
 * `npm run bench -- checkpoint` (1M keys) the checkpoint took 976 ms–1.37 s against 712 ms, the
 * restore 0.85–1.08 s against 359 ms (every restored key is two hash inserts into large tables),
 * and the longest pause 22–30 ms against 14 ms (a key group's entries are no longer one table to
 * walk). Recovery time and pauses matter more than that 10%.
 */
import { performance } from 'node:perf_hooks';
import { IntKeyTable } from '../../src/state/int-key-table.js';
import { assignToKeyGroup } from '../../src/state/key-groups.js';

const events = Number(process.argv[2] ?? 10_000_000);
const keys = Number(process.argv[3] ?? 100_000);
const GROUPS = 128;

const keyGroup = new Int32Array(keys);
for (let k = 0; k < keys; k++) keyGroup[k] = assignToKeyGroup(k, GROUPS);
const cyclic = new Int32Array(events);
const random = new Int32Array(events);
let seed = 12345;
for (let i = 0; i < events; i++) {
  cyclic[i] = (i * 7919) % keys;
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  random[i] = seed % keys;
}

function oneMap(order: Int32Array): number {
  const m = new Map<number, number>();
  const start = performance.now();
  for (let i = 0; i < order.length; i++) {
    const k = order[i]!;
    m.set(k, (m.get(k) ?? 0) + 1);
  }
  return performance.now() - start;
}

function mapPerKeyGroup(order: Int32Array): number {
  const maps = Array.from({ length: GROUPS }, () => new Map<number, number>());
  const start = performance.now();
  for (let i = 0; i < order.length; i++) {
    const k = order[i]!;
    const m = maps[keyGroup[k]!]!;
    m.set(k, (m.get(k) ?? 0) + 1);
  }
  return performance.now() - start;
}

/**
 * Today's layout for int keys: an IntKeyTable per key group (a write after a read of the same key
 * needs no probe). A copy of mapPerKeyGroup's loop on purpose: one loop over both kinds of table
 * would make its get and set calls polymorphic and time that instead.
 */
function intTablePerKeyGroup(order: Int32Array): number {
  const tables = Array.from({ length: GROUPS }, () => new IntKeyTable<number>());
  const start = performance.now();
  for (let i = 0; i < order.length; i++) {
    const k = order[i]!;
    const t = tables[keyGroup[k]!]!;
    t.set(k, (t.get(k) ?? 0) + 1);
  }
  return performance.now() - start;
}

for (let round = 0; round < 3; round++) {
  const ms = (f: (o: Int32Array) => number, o: Int32Array) => `${f(o).toFixed(0)} ms`;
  console.log(
    `round ${round + 1}: bench order: one Map ${ms(oneMap, cyclic)}, one per key group ${ms(mapPerKeyGroup, cyclic)}, int table per key group ${ms(intTablePerKeyGroup, cyclic)}; ` +
      `random order: one Map ${ms(oneMap, random)}, one per key group ${ms(mapPerKeyGroup, random)}, int table per key group ${ms(intTablePerKeyGroup, random)}`,
  );
}
