import assert from 'node:assert/strict';
import { test } from 'node:test';
import { COMMANDS } from '../../src/cli/command-table.js';

// `flink info` reads a snapshot or, given a job id, the job's recorded plan (README: "flink info
// <jobId>"); its --help is where a user looks first, so it must say both.
test('flink info --help names both things it shows: a snapshot path or a job id', () => {
  const info = COMMANDS.find((c) => c.name === 'info');
  assert.ok(info);
  const [usage, what] = info.arguments?.[0] ?? [];
  assert.equal(usage, '<path>');
  assert.match(what ?? '', /_metadata/);
  assert.match(what ?? '', /job id/);
  assert.match(info.description, /plan/);
});
