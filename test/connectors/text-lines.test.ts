/*
 * Lines as Flink's text formats cut them (TextLineCursor): readTextFile's TextInputFormat ends a
 * line at `\n` and drops one `\r` before it, also at the end of the file; the FileSource's
 * TextLineInputFormat (Java's readLine) ends one at `\n`, `\r` or `\r\n`. (The FileSource kept
 * `\r` in `p\rq` and the last line's `\r`; readTextFile kept the last line's `\r`.) Every
 * position a line leaves is the offset of the next line, so a cursor started there reads the
 * rest — also where a `\r\n` or a multi-byte character falls on a read's edge — and a line of
 * 1 MB reads whole.
 */
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { type LineEndings, TextLineCursor } from '../../src/connectors/text-lines.js';

const dir = mkdtempSync(join(tmpdir(), 'flink-ts-lines-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

/** Every line of `content`, and the offset after each, read from `from`. */
function read(content: string | Buffer, endings: LineEndings, from = 0): { lines: string[]; offsets: number[] } {
  const path = join(dir, `f${files++}`);
  writeFileSync(path, content);
  const fd = openSync(path, 'r');
  try {
    const cursor = new TextLineCursor(fd, from, endings);
    const lines: string[] = [];
    const offsets: number[] = [];
    for (let line = cursor.next(); line !== null; line = cursor.next()) {
      lines.push(line);
      offsets.push(cursor.offset);
    }
    return { lines, offsets };
  } finally {
    closeSync(fd);
  }
}

/** Each content's lines, as `endings` cuts them. */
function linesTable(title: string, endings: LineEndings, cases: ReadonlyArray<readonly [string, readonly string[]]>): void {
  describe(title, () => {
    for (const [content, lines] of cases) test(JSON.stringify(content), () => assert.deepEqual(read(content, endings).lines, lines));
  });
}

linesTable("readTextFile's line ends (Flink's TextInputFormat)", 'lf', [
  ['', []],
  ['a', ['a']],
  ['a\n', ['a']],
  ['\n', ['']],
  ['a\r\nb\r\n', ['a', 'b']],
  ['p\rq\nr\r', ['p\rq', 'r']],
  ['\r', ['']],
  ['a\n\nb', ['a', '', 'b']],
  ['a\r\r\n', ['a\r']],
]);

linesTable("the FileSource's line ends (Flink's TextLineInputFormat)", 'any', [
  ['', []],
  ['a', ['a']],
  ['a\n', ['a']],
  ['\n', ['']],
  ['a\r\nb\r\n', ['a', 'b']],
  ['p\rq\nr\r', ['p', 'q', 'r']],
  ['\r', ['']],
  ['\r\r\n\n', ['', '', '']],
  ['a\n\rb', ['a', '', 'b']],
]);

describe('positions', () => {
  for (const endings of ['lf', 'any'] as const) {
    test(`[${endings}] from every offset a line left, the rest of the lines; across read edges`, () => {
      // Lines of varied length around the 64 KiB read, CRLF and multi-byte characters among them.
      const parts: string[] = [];
      for (let i = 0; parts.join('').length < 200_000; i++) parts.push(`${'é'.repeat(i % 7)}${'x'.repeat((i * 7919) % 3000)}${i % 3 === 0 ? '\r\n' : '\n'}`);
      const content = parts.join('');
      const whole = read(content, endings);
      assert.equal(whole.lines.length, parts.length);
      assert.deepEqual(whole.lines, parts.map((p) => p.replace(/\r?\n$/, '')));
      for (let k = 0; k < whole.offsets.length; k += 37) {
        assert.deepEqual(read(content, endings, whole.offsets[k]).lines, whole.lines.slice(k + 1), `from line ${k + 1}`);
      }
    });

    test(`[${endings}] a 1 MB line between short ones; a \\r\\n split by the read's edge is one line end`, () => {
      const big = 'y'.repeat(1 << 20);
      assert.deepEqual(read(`a\n${big}\nb`, endings).lines, ['a', big, 'b']);
      const edge = `${'z'.repeat((1 << 16) - 1)}\r\nc\n`;
      assert.deepEqual(read(edge, endings).lines, ['z'.repeat((1 << 16) - 1), 'c']);
    });
  }
});
