import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { FileTooLargeError, NotRegularFileError, readRegularFileSync } from '../../src/util/regular-file.js';

const dir = mkdtempSync(join(tmpdir(), 'flink-regular-file-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('readRegularFileSync', () => {
  test('reads a regular file, also through a symbolic link', () => {
    writeFileSync(join(dir, 'a'), 'hello');
    symlinkSync(join(dir, 'a'), join(dir, 'link'));
    assert.equal(readRegularFileSync(join(dir, 'a')).toString(), 'hello');
    assert.equal(readRegularFileSync(join(dir, 'link')).toString(), 'hello');
    writeFileSync(join(dir, 'empty'), '');
    assert.equal(readRegularFileSync(join(dir, 'empty')).length, 0);
  });

  test('noFollow refuses a symbolic link to a regular file, and still follows links among the directories above', () => {
    mkdirSync(join(dir, 'real'));
    writeFileSync(join(dir, 'real', 'f'), 'x');
    symlinkSync(join(dir, 'real', 'f'), join(dir, 'real', 'f-link'));
    symlinkSync(join(dir, 'real'), join(dir, 'dir-link'));
    assert.throws(() => readRegularFileSync(join(dir, 'real', 'f-link'), undefined, { noFollow: true }), (err: unknown) => err instanceof NotRegularFileError && err.message === 'it is a symbolic link, not a regular file');
    assert.equal(readRegularFileSync(join(dir, 'dir-link', 'f'), undefined, { noFollow: true }).toString(), 'x');
  });

  test('a FIFO with no writer is refused at once instead of blocking forever', () => {
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    assert.throws(() => readRegularFileSync(fifo), (err: unknown) => err instanceof NotRegularFileError && err.message === 'it is a FIFO (named pipe), not a regular file');
  });

  test('a directory and a character device are refused', () => {
    mkdirSync(join(dir, 'd'));
    assert.throws(() => readRegularFileSync(join(dir, 'd')), /it is a directory, not a regular file/);
    assert.throws(() => readRegularFileSync('/dev/zero'), /it is a character device, not a regular file/);
  });

  test('a file above the limit is refused without being read; a missing one is ENOENT', () => {
    writeFileSync(join(dir, 'big'), Buffer.alloc(2048));
    assert.throws(() => readRegularFileSync(join(dir, 'big'), 1024), (err: unknown) => err instanceof FileTooLargeError && err.size === 2048);
    assert.throws(() => readRegularFileSync(join(dir, 'nope')), { code: 'ENOENT' });
  });
});
