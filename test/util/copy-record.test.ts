import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { copyRecord } from '../../src/util/copy-record.js';

/** Every object reachable from `a` is a different object from anything reachable from `b`. */
function sharesNothing(a: unknown, b: unknown, seen = new Set<unknown>()): boolean {
  if (typeof a !== 'object' || a === null || seen.has(a)) return true;
  seen.add(a);
  if (a === b) return false;
  if (a instanceof Map && b instanceof Map) return [...a].every(([k, v], i) => sharesNothing(k, [...b.keys()][i], seen) && sharesNothing(v, [...b.values()][i], seen));
  if (a instanceof Set && b instanceof Set) return [...a].every((v, i) => sharesNothing(v, [...b][i], seen));
  return Object.keys(a).every((k) => sharesNothing((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], seen));
}

describe('copyRecord: a record of its own, as Flink serializers copy one', () => {
  test('primitives and functions come back as themselves (nothing to copy)', () => {
    const fn = () => 1;
    const sym = Symbol('s');
    for (const v of [0, -1.5, NaN, 'text', '', true, false, 10n, null, undefined, sym, fn]) assert.ok(Object.is(copyRecord(v), v), String(v));
  });

  test('plain data is copied deeply and shares nothing with the original', () => {
    const original = {
      id: 1,
      name: 'a',
      tags: ['x', { deep: [1, 2] }],
      pos: { x: 1, y: { z: 2 } },
      at: new Date(5),
      counts: new Map<string, { n: number }>([['k', { n: 1 }]]),
      seen: new Set([{ id: 2 }]),
      floats: new Float64Array([1.5, 2.5]),
      bytes: Buffer.from('ab'),
      raw: new Uint8Array([1, 2]).buffer,
      view: new DataView(new ArrayBuffer(4)),
      nothing: null,
      missing: undefined,
      big: 7n,
    };
    const copy = copyRecord(original);
    assert.deepEqual(copy, original);
    assert.ok(sharesNothing(copy, original), 'nothing shared');
    for (const k of ['at', 'floats', 'bytes', 'raw', 'view'] as const) assert.notEqual(copy[k], original[k], k);
    assert.ok(Buffer.isBuffer(copy.bytes), 'a Buffer');
    copy.bytes[0] = 0;
    copy.floats[0] = 0;
    copy.at.setTime(0);
    assert.deepEqual([original.bytes[0], original.floats[0], original.at.getTime()], [97, 1.5, 5], 'storage is not shared');
  });

  test('a class instance keeps its class, its methods and getters, and its nested instances theirs', () => {
    class Point {
      constructor(
        public x: number,
        public y: number,
      ) {}
      get sum(): number {
        return this.x + this.y;
      }
      moved(): Point {
        return new Point(this.x + 1, this.y);
      }
    }
    class Trip {
      constructor(
        public from: Point,
        public to: Point,
        public stops: Point[],
      ) {}
    }
    const trip = new Trip(new Point(1, 2), new Point(3, 4), [new Point(5, 6)]);
    for (let round = 0; round < 3; round++) {
      // Later rounds go through the copiers the first one made.
      const copy = copyRecord(trip);
      assert.ok(copy instanceof Trip && copy !== trip, 'a new Trip');
      assert.ok(copy.from instanceof Point && copy.stops[0] instanceof Point, 'nested Points');
      assert.equal(copy.from.sum, 3);
      assert.deepEqual(copy.to.moved(), new Point(4, 4));
      assert.ok(sharesNothing(copy, trip), 'nothing shared');
    }
  });

  test('instances of one class with different fields, and many shapes, are each copied whole', () => {
    class Row {
      [k: string]: unknown;
    }
    const rows = Array.from({ length: 20 }, (_, i) => Object.assign(new Row(), { [`f${i}`]: i, common: { i } }));
    for (let round = 0; round < 2; round++) {
      for (const r of rows) {
        const c = copyRecord(r);
        assert.ok(c instanceof Row, 'a Row');
        assert.deepEqual({ ...c }, { ...r });
        assert.notEqual(c.common, r.common);
      }
      for (let i = 0; i < 20; i++) {
        const plain = { [`p${i}`]: i, nested: { i } };
        assert.deepEqual(copyRecord(plain), plain);
      }
    }
  });

  test('odd field names, objects without a prototype, and subclasses of built-ins', () => {
    const proto = JSON.parse('{"__proto__": {"x": 1}, "constructor": 2, "a b": 3}') as Record<string, unknown>;
    const copy = copyRecord(proto);
    assert.deepEqual(Object.keys(copy), ['__proto__', 'constructor', 'a b']);
    assert.equal(Object.getPrototypeOf(copy), Object.prototype);
    assert.notEqual(copy['__proto__'], proto['__proto__']);
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { a: { b: 1 } });
    const bareCopy = copyRecord(bare);
    assert.equal(Object.getPrototypeOf(bareCopy), null);
    assert.deepEqual({ ...bareCopy }, { a: { b: 1 } });
    class Counts extends Map<string, number> {}
    const counts = copyRecord(new Counts([['a', 1]]));
    assert.ok(counts instanceof Counts && counts.get('a') === 1, 'a Counts');
  });

  test('what is not data is shared: promises, errors, regular expressions', () => {
    const p = Promise.resolve(1);
    const e = new Error('x');
    const r = /a/g;
    const copy = copyRecord({ p, e, r });
    assert.ok(copy.p === p && copy.e === e && copy.r === r, 'shared');
  });

  test('a value that refers to itself is copied with the same cycle; deep data without one is copied whole', () => {
    const a: { name: string; self?: unknown; list: unknown[] } = { name: 'a', list: [] };
    a.self = a;
    a.list.push(a);
    const copy = copyRecord(a);
    assert.ok(copy !== a && copy.self === copy && copy.list[0] === copy, 'the same cycle');
    let deep: { next?: unknown; i: number } = { i: 0 };
    for (let i = 1; i < 200; i++) deep = { next: deep, i };
    const deepCopy = copyRecord(deep);
    assert.deepEqual(deepCopy, deep);
    assert.ok(sharesNothing(deepCopy, deep), 'nothing shared');
  });
});
