/**
 * The clicks and session summaries of the sessionization example, shared by the job and its
 * test: user `i % users` makes click `i`; each user clicks in sessions of 8 clicks about 20 s
 * apart (with up to 5 s of jitter), with 40 minutes between sessions, every user on its own
 * offset (up to a minute).
 */
import { type AggregateFunction, type Collector, Duration, ProcessWindowFunction, type ProcessWindowContext, type TimeWindow } from 'flink-ts';
import { mix } from './mix.js';

export interface Click {
  readonly user: string;
  readonly page: string;
  readonly time: number;
}

export interface Session {
  readonly user: string;
  readonly start: number;
  readonly end: number;
  readonly clicks: number;
  readonly pages: number;
  readonly topPage: string;
}

const BASE_TIME = Date.UTC(2024, 0, 1);
const CLICKS_PER_SESSION = 8;
const CLICK_SPACING = 20_000;
const SESSION_PAUSE = 40 * 60_000;
export const SESSION_GAP = Duration.ofMinutes(30);
const PAGES = ['home', 'search', 'product', 'cart', 'checkout', 'help'];

const clickMix = (i: number) => mix(i, 0x9e3779b9);

/** Click `i` of `users` users. */
export function click(i: number, users: number): Click {
  const user = i % users;
  const k = Math.floor(i / users);
  const session = Math.floor(k / CLICKS_PER_SESSION);
  const offset = (clickMix(user) % 600) * 100;
  const jitter = clickMix(i) % 5_000;
  const time = BASE_TIME + offset + session * (CLICKS_PER_SESSION * CLICK_SPACING + SESSION_PAUSE) + (k % CLICKS_PER_SESSION) * CLICK_SPACING + jitter;
  return { user: `user-${user}`, page: PAGES[clickMix(i + 7) % PAGES.length]!, time };
}

/** Clicks per page of one session; merged when sessions merge. */
type PageCounts = Record<string, number>;

export const countPages: AggregateFunction<Click, PageCounts, PageCounts> = {
  createAccumulator: () => ({}),
  add: (c, acc) => ({ ...acc, [c.page]: (acc[c.page] ?? 0) + 1 }),
  getResult: (acc) => acc,
  merge: (a, b) => {
    const out = { ...a };
    for (const [page, n] of Object.entries(b)) out[page] = (out[page] ?? 0) + n;
    return out;
  },
};

/** Adds the user and the session's bounds to its page counts. */
export class SessionSummary extends ProcessWindowFunction<PageCounts, Session, string, TimeWindow> {
  process(user: string, ctx: ProcessWindowContext<TimeWindow>, counts: Iterable<PageCounts>, out: Collector<Session>): void {
    for (const pages of counts) {
      const entries = Object.entries(pages).sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1));
      const clicks = entries.reduce((n, [, c]) => n + c, 0);
      out.collect({ user, start: ctx.window().start, end: ctx.window().end, clicks, pages: entries.length, topPage: entries[0]![0] });
    }
  }
}
