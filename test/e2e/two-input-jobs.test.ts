/**
 * The two-input examples in jobs/ (WindowJoin, fraud detection with dynamic rules), run by the
 * real `flink run` at parallelism 2, their output checked against references computed here by
 * hand from the same generators.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { grade, salary } from '../../jobs/generators/grades-salaries.js';
import { RULES, type Rule, alertLine, transaction } from '../../jobs/generators/payments.js';
import { JOBS, parseAttachedRun, removeTempDirs, runFlink, withoutSubtask } from './helpers.js';

after(removeTempDirs);

const sorted = (lines: readonly string[]) => [...lines].sort();

describe('jobs/window-join.ts', () => {
  test('every grade and salary of one name in one tumbling window is a result', async () => {
    const [size, rate, count] = [2000, 3, 150];
    const r = await runFlink(['run', '-p', '2', join(JOBS, 'window-join.ts'), '--windowSize', String(size), '--rate', String(rate), '--count', String(count)], { timeoutMs: 30_000 });
    assert.equal(r.code, 0, r.stderr);
    const expected: string[] = [];
    for (let i = 0; i < count; i++) {
      const g = grade(i, rate);
      for (let j = 0; j < count; j++) {
        const s = salary(j, rate);
        if (s.name === g.name && Math.floor(s.time / size) === Math.floor(g.time / size)) expected.push(`(${g.name},${g.grade},${s.salary})`);
      }
    }
    assert.ok(expected.length > 100, `the reference has results (${expected.length})`);
    assert.deepEqual(sorted(parseAttachedRun(r.stdout).body.map(withoutSubtask)), sorted(expected));
  });
});

describe('jobs/fraud-detection-dynamic-rules.ts', () => {
  /** At each transaction's time, every rule version in force then, over the payer's amounts in (time − window, time]. */
  function reference(count: number): string[] {
    const byPayer = new Map<number, Array<{ time: number; amount: number }>>();
    for (let i = 0; i < count; i++) {
      const tx = transaction(i);
      const list = byPayer.get(tx.payer) ?? [];
      list.push({ time: tx.time, amount: tx.amount });
      byPayer.set(tx.payer, list);
    }
    const inForce = (time: number): Rule[] => {
      const latest = new Map<number, Rule>();
      for (const r of RULES) if (r.since <= time && (latest.get(r.id)?.since ?? -Infinity) <= r.since) latest.set(r.id, r);
      return [...latest.values()].filter((r) => r.active);
    };
    const alerts: string[] = [];
    for (const [payer, txs] of byPayer) {
      for (const { time } of txs) {
        for (const rule of inForce(time)) {
          const sum = txs.filter((t) => t.time > time - rule.windowMs && t.time <= time).reduce((s, t) => s + t.amount, 0);
          if (sum > rule.limit) alerts.push(alertLine(rule, payer, time, sum));
        }
      }
    }
    return alerts;
  }

  test('alerts of the rules in force at each transaction, as the rules change while the job runs', async () => {
    const count = 6000;
    const r = await runFlink(['run', '-p', '2', join(JOBS, 'fraud-detection-dynamic-rules.ts'), '--count', String(count)], { timeoutMs: 30_000 });
    assert.equal(r.code, 0, r.stderr);
    const expected = reference(count);
    for (const id of [1, 2, 3]) assert.ok(expected.some((l) => l.startsWith(`Alert{rule=${id},`)), `rule ${id} raises alerts in the reference`);
    assert.ok(expected.some((l) => l.endsWith('limit=1200}')), 'the changed version of rule 2 is in force in the reference');
    assert.deepEqual(sorted(parseAttachedRun(r.stdout).body.map(withoutSubtask)), sorted(expected));
  });
});
