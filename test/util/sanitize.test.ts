import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MAX_ECHO_LENGTH, echo, oneLine, safeLines } from '../../src/util/sanitize.js';

describe('sanitize: user input made safe to echo', () => {
  const cases: Array<[string, string, string]> = [
    ['plain text is unchanged', 'savepoint-abc/_metadata', 'savepoint-abc/_metadata'],
    ['newlines and carriage returns', 'a\nb\rc', 'a\\nb\\rc'],
    ['tabs', 'a\tb', 'a\\tb'],
    ['an ANSI escape sequence (clear screen, red)', '\u001b[2J\u001b[31mred', '\\x1b[2J\\x1b[31mred'],
    ['NUL, BEL, DEL', '\u0000\u0007\u007f', '\\x00\\x07\\x7f'],
    ['a C1 control (8-bit CSI)', '\u009b31m', '\\x9b31m'],
    ['bidi override and isolate, line separator', 'abc\u202edef\u2066\u2028', 'abc\\u202edef\\u2066\\u2028'],
    ['non-ASCII letters and emoji stay', 'Größe ✓ 😀', 'Größe ✓ 😀'],
  ];
  for (const [what, input, expected] of cases) {
    test(`oneLine: ${what}`, () => assert.equal(oneLine(input), expected));
  }

  test('echo cuts at its bound and says how much was left out', () => {
    assert.equal(echo('x'.repeat(MAX_ECHO_LENGTH)), 'x'.repeat(MAX_ECHO_LENGTH));
    assert.equal(echo('x'.repeat(MAX_ECHO_LENGTH + 50)), `${'x'.repeat(MAX_ECHO_LENGTH)}… (50 more characters)`);
    assert.equal(echo(42), '42');
  });

  test('a cut never splits a surrogate pair', () => {
    const s = `${'a'.repeat(9)}😀tail`;
    assert.equal(oneLine(s, 10), `${'a'.repeat(9)}… (6 more characters)`);
  });

  test('safeLines keeps newlines and tabs, escapes the rest', () => {
    assert.equal(safeLines('{\n\t"name": "x\u001b[31m"\n}'), '{\n\t"name": "x\\x1b[31m"\n}');
  });
});
