import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { describe, test } from 'node:test';
import { FlinkError } from '../../src/util/errors.js';
import { localPathOf } from '../../src/util/file-uri.js';

describe('localPathOf: paths and file: URIs given by a user', () => {
  test('a name that merely contains a colon is a path', () => {
    assert.equal(localPathOf('s3:notes'), resolve('s3:notes'));
  });

  test('paths are made absolute; local file: URIs become paths', () => {
    assert.equal(localPathOf('a/b'), resolve('a/b'));
    assert.equal(localPathOf('file:///data/sp'), '/data/sp');
    assert.equal(localPathOf('file://localhost/data/sp'), '/data/sp');
    assert.equal(localPathOf('FILE:///data/a%20b'), '/data/a b');
  });

  for (const [uri, reason] of [
    ['file://otherhost/x', /names another host; only local file: URIs/],
    ['file:///a%2Fb', /encoded '\/' \(%2F\)/],
    // Decoded, it failed later in every fs call with the bare code ERR_INVALID_ARG_VALUE.
    ['file:///sp%00/x', /encoded NUL byte \(%00\), which cannot be part of a file name/],
    ['file://[::1', /not a valid file: URI/],
    // Resolved as paths, these named the current directory and a directory called `s3:` in it.
    ['', /the path is empty/],
    ['  ', /the path is empty/],
    ['s3://bucket/savepoints', /only local paths and file: URIs are supported/],
    ['HDFS:///flink/sp', /only local paths and file: URIs are supported/],
    ['http://host/job.ts', /only local paths and file: URIs are supported/],
  ] as const) {
    test(`${uri}: one line naming the URI and the problem`, () => {
      assert.throws(
        () => localPathOf(uri),
        (err: unknown) => err instanceof FlinkError && err.code === 'path.invalidUri' && err.message.startsWith(`Cannot use '${uri}': `) && reason.test(err.message),
      );
    });
  }
});
