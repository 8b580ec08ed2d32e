// Shared harness: start a real Minwon server with the demo county on a fresh data directory,
// drive headless Debian Chromium with playwright-core, audit pages with axe-core.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export const DEMO_PASSWORD = 'minwon-demo-2026';

/** Start `minwon serve --demo` on port 0; resolves to { url, stop }. */
export async function startServer() {
  const bin = process.env.MINWON_BIN;
  if (!bin) throw new Error('MINWON_BIN must name the built minwon binary (scripts/test.sh sets it)');
  const data = mkdtempSync(join(tmpdir(), 'minwon-browser-'));
  const child = spawn(bin, ['serve', '--demo', '--data', data, '--listen', '127.0.0.1:0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, MINWON_LOG: 'warn' },
  });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 60000);
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const m = out.match(/Minwon listening on (http:\/\/\S+)/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)));
  });
  return {
    url,
    data,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(data, { recursive: true, force: true });
    },
  };
}

/**
 * The demo server and a browser for one test file: `before(async () => ({ server, browser } =
 * await openDemo()))`, and `after(() => closeDemo(server, browser))`.
 */
export async function openDemo() {
  return { server: await startServer(), browser: await launchBrowser() };
}

export async function closeDemo(server, browser) {
  await browser?.close();
  await server?.stop();
}

/** A page in a context of its own: its own cookies, so its own sign-in. */
export async function ownPage(browser) {
  return (await browser.newContext()).newPage();
}

/** Submit the form `form` (a selector) with its submit button and wait for the next page. */
export const submit = (page, form) =>
  Promise.all([page.waitForNavigation(), page.click(`${form} button[type=submit]`)]);

/** Assert that axe finds nothing serious or critical on the page (no screenshot). */
export async function clean(page) {
  assert.deepEqual(await seriousViolations(page), [], page.url());
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Run axe-core on the page; returns violations of impact serious or critical. */
export async function seriousViolations(page) {
  // Our CSP forbids inline scripts, so inject axe through the DevTools protocol instead of a tag.
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    return await axe.run(document, { resultTypes: ['violations'] });
  });
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/**
 * Assert that axe finds nothing serious or critical; with MINWON_SCREENSHOTS=DIR also save
 * DIR/NAME.png. Long lists (the queue) are shot as the first screen, as a person sees them.
 */
export async function audit(page, name, fullPage = true) {
  const violations = await seriousViolations(page);
  if (violations.length) throw new Error(`accessibility of ${name}:\n${violations.join('\n')}`);
  const shots = process.env.MINWON_SCREENSHOTS;
  if (shots) {
    mkdirSync(shots, { recursive: true });
    await page.screenshot({ path: `${shots}/${name}.png`, fullPage });
  }
}

/** A date a week from now as YYYY-MM-DD (Korean time is close enough for a date input). */
export function inAWeek() {
  const d = new Date(Date.now() + 7 * 24 * 3600 * 1000);
  return d.toISOString().slice(0, 10);
}

/** Sign in through the login form. */
export async function signIn(page, url, username, password = DEMO_PASSWORD) {
  await page.goto(`${url}/login`);
  await page.fill('#username', username);
  await page.fill('#password', password);
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
}
