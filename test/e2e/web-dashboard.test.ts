/**
 * The dashboard in a real browser: headless Chromium (Debian's, driven by playwright-core) opens
 * `flink web`'s start-up URL while a job runs, finds the job, its operator graph and its
 * checkpoint chart (three points or more), takes a savepoint with the button and sees it
 * complete, then cancels the job with the button. Every wait is for a condition on the page.
 *
 * With FLINK_TS_SCREENSHOTS=<dir>, it also saves the README's screenshots there.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { type BrowserContext, chromium } from 'playwright-core';
import { FIXTURES, SUBMITTED_LINE, freshHome, killLeftovers, linesOf, removeTempDirs, runDetached, runFlink, tempDir, waitFor, waitForStatus } from './helpers.js';
import { type WebUnderTest, call, startWeb } from './web-helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

let web: WebUnderTest | undefined;
let browser: BrowserContext | undefined;
/** The second test's server and browser (a job of its own, in a home of its own). */
let web2: WebUnderTest | undefined;
let browser2: BrowserContext | undefined;
after(async () => {
  await browser?.close();
  await browser2?.close();
  for (const w of [web, web2]) if (w && w.spawned.child.exitCode === null) w.spawned.child.kill('SIGKILL');
  await killLeftovers();
  removeTempDirs();
});

test('the dashboard shows a running job and its checkpoints; its buttons take a savepoint and cancel the job', { timeout: 90_000 }, async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium; .ci/run does)`);
  const home = freshHome();
  const out = join(tempDir(), 'out');
  const { jobId } = await runDetached(home, join(FIXTURES, 'sp-job.ts'), ['v1', out, '100000', '200'], ['-p', '2', '-D', 'execution.checkpointing.interval=250ms']);
  web = await startWeb(home);
  // A new, empty profile: nothing from another run (cookies, storage) is in it.
  browser = await chromium.launchPersistentContext(join(tempDir(), 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 1280, height: 900 },
  });
  const page = browser.pages()[0] ?? (await browser.newPage());
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('dialog', (d) => void d.accept());

  await page.goto(`${web.base}/?token=${web.token}`);
  const row = page.locator(`tr[data-job="${jobId}"]`);
  await row.waitFor();
  assert.match(await row.innerText(), /sp-job-v1[\s\S]*RUNNING/);
  assert.equal(new URL(page.url()).searchParams.get('token'), null, 'the token is taken out of the address bar');

  await row.getByRole('link').click();
  await page.locator('h1', { hasText: 'sp-job-v1' }).waitFor();
  await page.locator('#graph svg [data-vertex]').first().waitFor();
  assert.equal(await page.locator('#graph svg [data-vertex]').count(), 2, 'two chains in the operator graph');
  assert.match(await page.locator('#graph').innerHTML(), /HASH/);
  // Polled from here: the page's CSP (rightly) refuses the eval that a string waitForFunction needs.
  const points = (chart: string, atLeast: number) =>
    waitFor(`${atLeast} points in the ${chart} chart`, async () => Number(await page.locator(`[data-chart="${chart}"]`).getAttribute('data-points')) >= atLeast, 30_000, 100);
  await points('checkpoint-duration', 3);
  assert.ok((await page.locator('[data-chart="checkpoint-duration"] canvas').count()) > 0, 'the chart is drawn');
  await points('records', 2);
  await page.locator('#vertices tr[data-vertex]').first().waitFor();
  assert.equal(await page.locator('#vertices tr[data-vertex]').count(), 2);
  await page.locator('#checkpoint-history tr[data-checkpoint]').first().waitFor();
  // The job's own metrics (CountPerKey's keyed.counted and its keyed.counts histogram), per subtask.
  const counted = page.locator('#user-metrics tr[data-metric]', { hasText: 'keyed.counted' });
  await waitFor('both subtasks’ keyed.counted in Your metrics', async () => (await counted.count()) === 2, 30_000, 100);
  assert.match(await counted.first().innerText(), /KeyedProcess[\s\S]*keyed\.counted\s+\d+/);
  const histogram = page.locator('#user-metrics tr[data-metric]', { hasText: 'keyed.counts' }).first();
  assert.match(await histogram.innerText(), /min \d+ · median [\d.]+ · p99 [\d.]+ · max \d+/);

  if (process.env['FLINK_TS_SCREENSHOTS']) {
    const dir = process.env['FLINK_TS_SCREENSHOTS'];
    mkdirSync(dir, { recursive: true });
    // A few more seconds of history make a fuller picture.
    await points('records', 8);
    await page.screenshot({ path: join(dir, 'dashboard-job.png'), fullPage: false });
  }

  await page.locator('#savepoint').click();
  const notice = page.locator('#notice');
  await notice.filter({ hasText: /^Savepoint completed: / }).waitFor({ timeout: 30_000 });
  const location = (await notice.innerText()).replace(/^Savepoint completed: /, '').trim();
  assert.ok(existsSync(join(location, '_metadata')), `a savepoint at ${location}`);
  // The history lists the newest 10 only, and checkpoints follow every 250 ms: the savepoint is
  // looked for where it stays, as the job's latest savepoint.
  await page.locator('[data-stat="savepoint"] .v', { hasText: /^#\d+: / }).waitFor({ timeout: 30_000 });

  await page.locator('#cancel').click();
  await page.locator('h1 .badge', { hasText: 'CANCELED' }).waitFor({ timeout: 30_000 });
  await waitForStatus(home, jobId, ['CANCELED']);
  assert.ok(await page.locator('#cancel').isDisabled());

  if (process.env['FLINK_TS_SCREENSHOTS']) {
    await page.goto(`${web.base}/#/`);
    await page.locator(`tr[data-job="${jobId}"]`, { hasText: 'CANCELED' }).waitFor();
    await page.setViewportSize({ width: 1280, height: 240 });
    await page.screenshot({ path: join(process.env['FLINK_TS_SCREENSHOTS'], 'dashboard-jobs.png') });
  }
  assert.deepEqual(errors, [], 'no script errors on the page');
});

// The exception history keeps 16 entries (Flink's web.exception-history-size): a card counting
// them showed at most 15 restarts (found by review); it reads the job's numRestarts.
test('the dashboard counts all 20 restarts of a job, not only those left in the exception history', { timeout: 120_000 }, async () => {
  const home = freshHome();
  const out = join(tempDir(), 'out');
  const r = await runFlink(
    ['run', '-D', 'execution.checkpointing.interval=100ms', '-D', 'restart-strategy.type=fixed-delay', '-D', 'restart-strategy.fixed-delay.attempts=20',
      '-D', 'restart-strategy.fixed-delay.delay=10 ms', join(FIXTURES, 'fo-flaky.ts'), out, 'always', '3000', '5000', '1000'],
    { home, timeoutMs: 90_000 },
  );
  assert.equal(r.code, 1, r.stdout + r.stderr);
  const jobId = linesOf(r.stdout).map((l) => SUBMITTED_LINE.exec(l)?.[1]).find((x) => x !== undefined)!;
  web2 = await startWeb(home);
  const metrics = await call(web2.base, 'GET', `/jobs/${jobId}/metrics?get=numRestarts`);
  assert.deepEqual(metrics.json, [{ id: 'numRestarts', value: '20' }], 'the job restarted 20 times');
  browser2 = await chromium.launchPersistentContext(join(tempDir(), 'profile'), { executablePath: CHROMIUM, headless: true, args: FLAGS });
  const page = browser2.pages()[0] ?? (await browser2.newPage());
  await page.goto(`${web2.base}/?token=${web2.token}#/jobs/${jobId}`);
  const card = page.locator('.stat', { hasText: 'Restarts' });
  await card.waitFor();
  assert.equal((await card.locator('.v').innerText()).trim(), '20');
});
