import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type GuardSettings, type RequestFacts, guardRequest } from '../../src/web/request-guard.js';

const token = 'a'.repeat(64);
const loopback: GuardSettings = { token, port: 8081, loopbackOnly: true };
const open: GuardSettings = { token, port: 8081, loopbackOnly: false };

const req = (over: Partial<RequestFacts>): RequestFacts => ({
  method: 'GET',
  host: '127.0.0.1:8081',
  origin: undefined,
  secFetchSite: undefined,
  authorization: undefined,
  queryToken: undefined,
  cookieToken: undefined,
  ...over,
});

/** [what, settings, request, expected status (200 = allowed)] */
const cases: Array<[string, GuardSettings, Partial<RequestFacts>, number]> = [
  ['a read on loopback needs no token', loopback, {}, 200],
  ['localhost and [::1] name loopback too', loopback, { host: 'localhost:8081' }, 200],
  ['[::1]', loopback, { host: '[::1]:8081' }, 200],
  ['a rebound name is refused (DNS rebinding)', loopback, { host: 'attacker.example:8081' }, 403],
  ['another port is refused', loopback, { host: '127.0.0.1:9999' }, 403],
  ['no Host is refused', loopback, { host: undefined }, 403],
  ['a foreign Origin is refused, even with the token', loopback, { method: 'PATCH', origin: 'http://evil.example', authorization: `Bearer ${token}` }, 403],
  ['a foreign Origin is refused on reads', loopback, { origin: 'http://evil.example' }, 403],
  ["the 'null' Origin (sandboxed frames, files) is refused", loopback, { method: 'POST', origin: 'null', authorization: `Bearer ${token}` }, 403],
  ['its own Origin is fine', loopback, { method: 'POST', origin: 'http://127.0.0.1:8081', authorization: `Bearer ${token}` }, 200],
  ['a change without the token is refused', loopback, { method: 'PATCH' }, 401],
  ['a change with a wrong token is refused', loopback, { method: 'PATCH', authorization: `Bearer ${'b'.repeat(64)}` }, 401],
  ['a change with the bearer token is allowed', loopback, { method: 'PATCH', authorization: `Bearer ${token}` }, 200],
  ['a change with ?token= is allowed', loopback, { method: 'POST', queryToken: token }, 200],
  ['the cookie never authorizes a change', open, { method: 'POST', host: 'box:8081', cookieToken: token }, 401],
  ['a cross-site change is refused (Sec-Fetch-Site)', loopback, { method: 'POST', secFetchSite: 'cross-site', authorization: `Bearer ${token}` }, 403],
  ['off loopback a read needs the token', open, { host: 'box.lan:8081' }, 401],
  ['off loopback any Host is accepted with the token', open, { host: 'box.lan:8081', authorization: `Bearer ${token}` }, 200],
  ["off loopback the page's cookie authorizes reads", open, { host: 'box.lan:8081', cookieToken: token }, 200],
  ['a wrong token on a read is an error, not ignored', loopback, { queryToken: 'nope' }, 401],
];

for (const [what, settings, over, expected] of cases) {
  test(what, () => {
    const d = guardRequest(req(over), settings);
    assert.equal(d.allow ? 200 : d.status, expected, d.allow ? 'allowed' : d.message);
  });
}

test('a token in the URL off loopback sets the cookie for the page; on loopback it does not', () => {
  const off = guardRequest(req({ host: 'box:8081', queryToken: token }), open);
  assert.ok(off.allow && off.setCookie);
  const on = guardRequest(req({ queryToken: token }), loopback);
  assert.ok(on.allow && !on.setCookie);
});
