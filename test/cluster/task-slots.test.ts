import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Configuration, TaskManagerOptions } from '../../src/config/index.js';
import type { JobGraph } from '../../src/graph/index.js';
import { taskSlotsFor } from '../../src/cluster/task-slots.js';

/** A graph with vertices of these parallelisms (all taskSlotsFor reads). */
const graph = (...parallelisms: number[]) => ({ vertices: parallelisms.map((parallelism) => ({ parallelism })) }) as unknown as JobGraph;

describe('taskmanager.numberOfTaskSlots', () => {
  test("'auto' (any case) or an integer; the default is auto", () => {
    const parse = (raw: string) => new Configuration('/nonexistent-home').with('taskmanager.numberOfTaskSlots', raw, '-D').get(TaskManagerOptions.NUM_TASK_SLOTS);
    assert.equal(parse('auto'), 'auto');
    assert.equal(parse(' AUTO '), 'auto');
    assert.equal(parse('3'), 3);
    assert.throws(() => parse('many'), /'auto' or an integer from 1 to 256/);
    assert.equal(new Configuration('/nonexistent-home').get(TaskManagerOptions.NUM_TASK_SLOTS), 'auto');
  });

  test('workers: never more than the highest parallelism; auto by the cores; 1 = none (0)', () => {
    assert.equal(taskSlotsFor(1, graph(4, 4), 8), 0);
    assert.equal(taskSlotsFor(2, graph(4, 1), 8), 2);
    assert.equal(taskSlotsFor(8, graph(3, 1), 8), 3);
    // A number above 1 uses a worker even for a job of parallelism 1.
    assert.equal(taskSlotsFor(2, graph(1, 1), 8), 1);
    assert.equal(taskSlotsFor('auto', graph(4, 2), 2), 2);
    assert.equal(taskSlotsFor('auto', graph(3), 8), 3);
    assert.equal(taskSlotsFor('auto', graph(1, 1), 8), 0);
    assert.equal(taskSlotsFor('auto', graph(4), 1), 0);
  });
});
