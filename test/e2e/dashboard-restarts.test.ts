/**
 * The dashboard's "Restarts" card for a job that restarted more often than the exception history
 * keeps (16 entries, Flink's web.exception-history-size): it shows the job's own numRestarts (it
 * counted the history, at most 15; found by review).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { type BrowserContext, chromium } from 'playwright-core';
import { FIXTURES, SUBMITTED_LINE, freshHome, killLeftovers, linesOf, removeTempDirs, runFlink, tempDir } from './helpers.js';
import { type WebUnderTest, call, startWeb } from './web-helpers.js';

const CHROMIUM = '/usr/bin/chromium';
let web: WebUnderTest | undefined;
let browser: BrowserContext | undefined;
after(async () => {
  await browser?.close();
  if (web && web.spawned.child.exitCode === null) web.spawned.child.kill('SIGKILL');
  await killLeftovers();
  removeTempDirs();
});

test('the dashboard counts all 20 restarts of a job, not only those left in the exception history', { timeout: 120_000 }, async () => {
  assert.ok(existsSync(CHROMIUM));
  const home = freshHome();
  const out = join(tempDir(), 'out');
  const r = await runFlink(
    ['run', '-D', 'execution.checkpointing.interval=100ms', '-D', 'restart-strategy.type=fixed-delay', '-D', 'restart-strategy.fixed-delay.attempts=20',
      '-D', 'restart-strategy.fixed-delay.delay=10 ms', join(FIXTURES, 'fo-flaky.ts'), out, 'always', '3000', '5000', '1000'],
    { home, timeoutMs: 90_000 },
  );
  assert.equal(r.code, 1, r.stdout + r.stderr);
  const jobId = linesOf(r.stdout).map((l) => SUBMITTED_LINE.exec(l)?.[1]).find((x) => x !== undefined)!;
  web = await startWeb(home);
  const metrics = await call(web.base, 'GET', `/jobs/${jobId}/metrics?get=numRestarts`);
  assert.deepEqual(metrics.json, [{ id: 'numRestarts', value: '20' }], 'the job restarted 20 times');

  browser = await chromium.launchPersistentContext(join(tempDir(), 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
  });
  const page = browser.pages()[0] ?? (await browser.newPage());
  await page.goto(`${web.base}/#/jobs/${jobId}`);
  const card = page.locator('.stat', { hasText: 'Restarts' });
  await card.waitFor();
  const shown = (await card.locator('.v').innerText()).trim();
  assert.equal(shown, '20', `the Restarts card says ${shown}`);
});
