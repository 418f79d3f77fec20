import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import { isIP } from 'node:net';
import { hostname as osHostname } from 'node:os';
import type { JobRecord, MetadataStore } from '../metadata/index.js';
import { FlinkError } from '../util/errors.js';
import { type GuardSettings, guardRequest } from './request-guard.js';
import { HttpError } from './rest/job-commands.js';
import { type RestContext, findRoute } from './rest/routes.js';
import { type Asset, loadAssets } from './static-assets.js';

/** What `flink web` serves from. */
export interface WebServerOptions {
  readonly store: MetadataStore;
  readonly token: string;
  /** The address to listen on; default 127.0.0.1. */
  readonly host: string;
  /** The port; 0 picks a free one. */
  readonly port: number;
  /** Checks jobs' liveness (their process may be gone) and levels ended jobs' checkpoints; the CLI passes the cluster's. */
  readonly reconcile: (jobs: readonly JobRecord[]) => Promise<JobRecord[]>;
  readonly version: string;
  readonly now?: () => number;
}

/** A running `flink web`. */
export interface WebServer {
  /** `http://host:port/`, with the port bound. */
  readonly url: string;
  readonly port: number;
  /** Listening on loopback only (reads need no token). */
  readonly loopbackOnly: boolean;
  close(): Promise<void>;
}

/** The cookie a page's first load sets off loopback, so its scripts and styles load without the token in their URLs. */
const TOKEN_COOKIE = 'flink_ts_token';
/** The largest request body accepted (savepoint and stop bodies are a few dozen bytes). */
const MAX_BODY = 64 * 1024;
/** How much of a body over {@link MAX_BODY} is read and dropped before the connection is cut. */
const MAX_DRAINED_BODY = 16 * 1024 * 1024;

/** True for an address only this machine can reach. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || (isIP(h) === 4 && h.startsWith('127.'));
}

/**
 * Every response carries these: nothing may frame the dashboard (its buttons change jobs), no
 * script or style from elsewhere runs in it, and no URL with the token leaks in a Referer.
 */
const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

function cookieToken(header: string | undefined): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [k, v] = part.trim().split('=', 2);
    if (k === TOKEN_COOKIE && v !== undefined) return v;
  }
  return undefined;
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, head: boolean, extra: Record<string, string> = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), ...extra });
  res.end(head ? undefined : body);
}

function sendJson(res: ServerResponse, status: number, body: unknown, head: boolean, extra?: Record<string, string>): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(body), head, extra);
}

function sendError(res: ServerResponse, status: number, message: string, head: boolean, extra?: Record<string, string>): void {
  sendJson(res, status, { errors: [message] }, head, extra);
}

/** Reads a JSON object body of at most {@link MAX_BODY} bytes ({} when empty). */
function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        // Answered at once (a promise settles once); the rest is read and dropped, so that the
        // client, still sending, gets the 413 rather than a reset connection — up to a bound,
        // past which the connection is cut.
        reject(new HttpError(413, `The request body is larger than ${MAX_BODY} bytes.`));
        chunks.length = 0;
        if (size > MAX_DRAINED_BODY) req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('error', reject);
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8').trim();
      if (text === '') return resolve({});
      try {
        const v: unknown = JSON.parse(text);
        if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
        resolve(v as Record<string, unknown>);
      } catch {
        reject(new HttpError(400, 'The request body must be a JSON object.'));
      }
    });
  });
}

/** A one-line error for a failure to listen, naming what to do. */
function listenError(err: NodeJS.ErrnoException, host: string, port: number): FlinkError {
  switch (err.code) {
    case 'EADDRINUSE':
      return new FlinkError('web.portInUse', `Port ${port} on ${host} is already in use (another flink web, or another program): choose another with --port.`);
    case 'EACCES':
      return new FlinkError('web.portDenied', `Not allowed to listen on port ${port} of ${host}: ports below 1024 need privileges; choose another with --port.`);
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new FlinkError('web.badHost', `Cannot listen on '${host}': it is not an address of this machine. Use 127.0.0.1 (the default), or 0.0.0.0 for every interface.`);
    default:
      return new FlinkError('web.listenFailed', `Cannot listen on ${host}:${port}: ${err.message}.`);
  }
}

/**
 * Starts `flink web`: Flink's REST API over flink.db, Prometheus metrics and the dashboard, on
 * `node:http` (a dozen routes need no framework; see README, Dependencies). Each request is
 * checked by {@link guardRequest} before anything else happens.
 *
 * @throws FlinkError (`web.portInUse`, `web.badHost`, ...) when it cannot listen.
 */
export async function startWebServer(opts: WebServerOptions): Promise<WebServer> {
  // An empty address would make Node listen on every interface, unasked.
  if (opts.host.trim() === '') {
    throw new FlinkError('web.badHost', "The address to listen on is empty: use 127.0.0.1 (the default), or 0.0.0.0 for every interface.");
  }
  const assets = loadAssets();
  const loopbackOnly = isLoopback(opts.host);
  const ctx: RestContext = {
    store: opts.store,
    reconcile: opts.reconcile,
    now: opts.now ?? Date.now,
    version: opts.version,
    hostname: osHostname(),
  };
  const settings: { -readonly [K in keyof GuardSettings]: GuardSettings[K] } = { token: opts.token, port: opts.port, loopbackOnly };
  const server: Server = createServer((req, res) => {
    handle(req, res, ctx, settings, assets).catch((err: unknown) => {
      if (!res.headersSent) sendError(res, 500, `Internal error: ${(err as Error).message}`, false);
      else res.destroy();
    });
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(listenError(err, opts.host, opts.port)));
    server.listen(opts.port, opts.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : opts.port;
  settings.port = port;
  const shownHost = opts.host.includes(':') && !opts.host.startsWith('[') ? `[${opts.host}]` : opts.host;
  return {
    url: `http://${shownHost}:${port}/`,
    port,
    loopbackOnly,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, ctx: RestContext, settings: GuardSettings, assets: ReadonlyMap<string, Asset>): Promise<void> {
  const method = (req.method ?? 'GET').toUpperCase();
  const head = method === 'HEAD';
  let url: URL;
  try {
    // The target is a path, appended to the base rather than resolved against it: resolved,
    // `//jobs` would name a host `jobs` and the path `/`.
    const target = req.url ?? '/';
    if (!target.startsWith('/')) throw new Error('not a path');
    url = new URL(`http://flink-web.invalid${target}`);
  } catch {
    return sendError(res, 400, 'The request URL is malformed.', head);
  }
  const header = (name: string) => {
    const v = req.headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const decision = guardRequest(
    {
      method,
      host: header('host'),
      origin: header('origin'),
      secFetchSite: header('sec-fetch-site'),
      authorization: header('authorization'),
      queryToken: url.searchParams.get('token') ?? undefined,
      cookieToken: cookieToken(header('cookie')),
    },
    settings,
  );
  if (!decision.allow) {
    return sendError(res, decision.status, decision.message, head, decision.status === 401 ? { 'WWW-Authenticate': 'Bearer' } : {});
  }
  const extra: Record<string, string> = decision.setCookie
    ? { 'Set-Cookie': `${TOKEN_COOKIE}=${settings.token}; HttpOnly; SameSite=Strict; Path=/` }
    : {};
  // Flink serves its API under /v1 as well.
  const path = url.pathname.replace(/^\/v1(?=\/)/, '').replace(/(?<=.)\/$/, '');
  const asset = assets.get(url.pathname);
  if (asset !== undefined && (method === 'GET' || head)) return send(res, 200, asset.type, asset.body, head, extra);
  let route;
  try {
    route = findRoute(method, path);
  } catch {
    return sendError(res, 400, 'The request path is malformed.', head);
  }
  if ('allowed' in route) {
    if (route.allowed.length === 0) return sendError(res, 404, `Not found: ${path.slice(0, 200)}`, head);
    return sendError(res, 405, `${method} is not allowed here; use ${route.allowed.join(' or ')}.`, head, { Allow: route.allowed.join(', ') });
  }
  try {
    const reply = await route.handler(ctx, route.params, { query: url.searchParams, body: () => readBody(req) });
    if ('text' in reply) return send(res, reply.status, reply.type, reply.text, head, extra);
    return sendJson(res, reply.status, reply.body, head, extra);
  } catch (err) {
    // Over a body too large the connection is closed after the answer, not kept for more requests.
    if (err instanceof HttpError) return sendError(res, err.status, err.message, head, err.status === 413 ? { Connection: 'close' } : undefined);
    if (err instanceof FlinkError) return sendError(res, err.code.startsWith('job.') ? 404 : 500, err.message, head);
    throw err;
  }
}
