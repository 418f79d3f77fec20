/**
 * Every bench at its smoke size: it must run and its own checks must hold (that it measured
 * what its figures name). Timings are never asserted. `list-jobs` and `large-state` spawn
 * bin/flink, so this needs `npm run build` first (as `npm test` does).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { benchNames, loadBenches, runBench } from '../../bench/harness/index.js';

test('the benches are found', () => {
  assert.ok(benchNames().length >= 6, benchNames().join(' '));
});

for (const name of benchNames()) {
  test(`bench ${name} runs at smoke size and its checks hold`, async () => {
    const [bench] = await loadBenches([name]);
    const result = await runBench(bench!, { size: 'smoke' });
    assert.equal(result.name, name);
    assert.ok(result.checks.length >= 2, `${name} made no checks of its own: ${result.checks.join('; ')}`);
    for (const f of result.figures) {
      assert.ok(Number.isFinite(f.median) && f.median >= 0, `${name}: ${f.label} = ${f.median}`);
      for (const r of f.ratios) assert.ok(Number.isFinite(r.median) && r.median > 0, `${name}: ${f.label} vs ${r.vs} = ${r.median}`);
    }
  });
}
