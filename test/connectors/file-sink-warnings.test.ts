/**
 * FileSink's notices on restore (a part its checkpoint recorded is gone or short) are warnings
 * and say so, as every other warning does: `Warning: ` starts the line, which `flink run -d`
 * also looks for in a detached job's log.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { commitRecordedPart } from '../../src/connectors/file-sink-part.js';
import { stderrOf } from '../helpers/stderr-of.js';

describe('FileSink restore notices are warnings', () => {
  const dir = mkdtempSync(join(tmpdir(), 'file-sink-warnings-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a recorded in-progress part that is gone', () => {
    const out = stderrOf(() => commitRecordedPart(join(dir, '.part-0.inprogress'), join(dir, 'part-0'), 5));
    assert.match(out, /^Warning: FileSink: in-progress file .*\.part-0\.inprogress is gone; its records are lost\.\n$/);
  });

  test('a recorded part shorter than its checkpoint says', () => {
    const hidden = join(dir, '.part-1.inprogress');
    writeFileSync(hidden, 'ab');
    const out = stderrOf(() => commitRecordedPart(hidden, join(dir, 'part-1'), 5));
    assert.match(out, /^Warning: FileSink: in-progress file .* holds 2 of the 5 bytes its checkpoint recorded; the rest is lost\.\n$/);
    assert.equal(readFileSync(join(dir, 'part-1'), 'utf8'), 'ab');
  });

  test('a part committed already (its final name exists) is not warned about', () => {
    writeFileSync(join(dir, 'part-2'), 'done');
    assert.equal(stderrOf(() => commitRecordedPart(join(dir, '.part-2.inprogress'), join(dir, 'part-2'), 4)), '');
  });
});
