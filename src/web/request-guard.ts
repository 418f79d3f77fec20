import { tokenMatches } from './token.js';

/** What the guard knows of the server. */
export interface GuardSettings {
  readonly token: string;
  readonly port: number;
  /**
   * The server listens on a loopback address only: reads are open (as Flink's REST API is) and
   * the Host must name loopback. Otherwise every request needs the token.
   */
  readonly loopbackOnly: boolean;
}

/** The facts of a request the guard decides on (headers lower-cased as Node gives them). */
export interface RequestFacts {
  readonly method: string;
  readonly host: string | undefined;
  readonly origin: string | undefined;
  readonly secFetchSite: string | undefined;
  readonly authorization: string | undefined;
  readonly queryToken: string | undefined;
  readonly cookieToken: string | undefined;
}

export type GuardDecision =
  | { readonly allow: true; /** The request proved the token in its URL: remember it in a cookie for the page's assets. */ readonly setCookie: boolean }
  | { readonly allow: false; readonly status: 401 | 403; readonly message: string };

/** Methods that only read. Anything else changes a job and needs the token. */
const READ_METHODS = new Set(['GET', 'HEAD']);

const LOOPBACK_HOST = /^(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

/** Splits `host[:port]` (IPv6 in brackets); undefined if malformed. */
function splitHost(host: string): { name: string; port: number | undefined } | undefined {
  const m = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/i.exec(host);
  if (!m) return undefined;
  return { name: m[1]!, port: m[2] === undefined ? undefined : Number(m[2]) };
}

function bearerOf(authorization: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  return m?.[1];
}

/**
 * Decides whether a request may be served, before any handler runs:
 *
 * - On loopback, the Host must be a loopback name with the server's port: a page whose name an
 *   attacker re-pointed at 127.0.0.1 (DNS rebinding) sends its own name and is refused.
 * - An `Origin` (sent by browsers with every cross-origin request and every POST/PATCH) must be
 *   this server's own, so no other site's script or form can use the API; a request that
 *   changes a job must not come from another site (`Sec-Fetch-Site`).
 * - A request that changes a job needs the token (`Authorization: Bearer` or `?token=`); off
 *   loopback, every request does (reads may also show it in the cookie the page's first load
 *   set, which browsers never send from other sites).
 */
export function guardRequest(req: RequestFacts, settings: GuardSettings): GuardDecision {
  const host = req.host === undefined ? undefined : splitHost(req.host.trim());
  if (host === undefined) return { allow: false, status: 403, message: 'The request has no valid Host header.' };
  if (settings.loopbackOnly && (!LOOPBACK_HOST.test(host.name) || (host.port ?? 80) !== settings.port)) {
    return {
      allow: false,
      status: 403,
      message: `Host '${req.host}' is not this server: flink web on loopback answers only to localhost, 127.0.0.1 or [::1] with port ${settings.port}.`,
    };
  }
  if (req.origin !== undefined && req.origin.toLowerCase() !== `http://${req.host!.trim().toLowerCase()}`) {
    return { allow: false, status: 403, message: `Origin '${req.origin}' may not use this server: only its own pages may.` };
  }
  const reads = READ_METHODS.has(req.method.toUpperCase());
  if (!reads && req.secFetchSite !== undefined && !['same-origin', 'none'].includes(req.secFetchSite)) {
    return { allow: false, status: 403, message: 'Requests that change a job may not come from another site.' };
  }
  const presented = bearerOf(req.authorization) ?? req.queryToken;
  const valid = tokenMatches(presented, settings.token);
  if (presented !== undefined && !valid) return { allow: false, status: 401, message: 'The token is wrong: use the one flink web printed at start-up.' };
  if (valid) return { allow: true, setCookie: !settings.loopbackOnly && req.queryToken !== undefined && reads };
  if (reads && settings.loopbackOnly) return { allow: true, setCookie: false };
  if (reads && tokenMatches(req.cookieToken, settings.token)) return { allow: true, setCookie: false };
  return {
    allow: false,
    status: 401,
    message: reads
      ? 'This server asks every request for its token: open the URL flink web printed at start-up, or send Authorization: Bearer <token>.'
      : 'Changing a job needs the token flink web printed at start-up: send Authorization: Bearer <token> or ?token=<token>.',
  };
}
