/*
 * The CLI's one-line error names where the user's code called flink-ts: a native frame
 * (`Array.flatMap (<anonymous>)`) between the engine's frames and the user's is no such place,
 * and is no frame of the user's to show under the line either.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { reportError } from '../../src/cli/output.js';
import { FlinkError } from '../../src/util/errors.js';
import { findPackageRoot } from '../../src/util/package-root.js';

function reported(err: FlinkError): string {
  const write = process.stderr.write.bind(process.stderr);
  let out = '';
  process.stderr.write = ((chunk: string | Uint8Array) => ((out += String(chunk)), true)) as typeof process.stderr.write;
  try {
    reportError(err, false);
  } finally {
    process.stderr.write = write;
  }
  return out;
}

test('a native frame is skipped: the line names the user frame after it, or none', () => {
  const engine = join(findPackageRoot()!, 'src', 'connectors', 'file-listing.ts');
  const stack = (...frames: string[]) => ['Error: Cannot read /in', `    at listFiles (${engine}:28:7)`, ...frames.map((f) => `    at ${f}`)].join('\n');
  const site = (details: string) => reported(new FlinkError('test.error', 'Cannot read /in', { details })).split('\n')[0]!;
  assert.match(site(stack('Array.flatMap (<anonymous>)', 'main (/home/u/job.ts:3:9)')), /Cannot read \/in \(at \/home\/u\/job\.ts:3:9\)$/);
  assert.doesNotMatch(site(stack('Array.flatMap (<anonymous>)')), /\(at /);
});

test('an engine error whose stack has native frames and none of the user\'s is one line, with no frame under it', () => {
  const engine = join(findPackageRoot()!, 'dist', 'chunks', 'chunk-X.js');
  const details = ['SnapshotRestoreError: FileSink state names a file that is not one of its part files', `    at restore (${engine}:10:5)`, '    at Array.map (<anonymous>)', `    at open (${engine}:20:7)`].join('\n');
  const out = reported(new FlinkError('test.error', 'Operator "Sink: FileSink" failed: FileSink state names a file that is not one of its part files', { details }));
  assert.deepEqual(out.trimEnd().split('\n'), ['Error: Operator "Sink: FileSink" failed: FileSink state names a file that is not one of its part files'], out);
});
