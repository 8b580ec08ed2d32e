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

/**
 * Headless Chromium whose every page is watched (see `watch`): a 4xx/5xx of our own static
 * files, a console error, a script error or a form token in an address fails the journey at its
 * next `audit`, or when the browser closes.
 */
export async function launchBrowser() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  // A navigation may take up to 90 s (Playwright's default is 30): CI runs the whole suite on two
  // loaded cores, and one submit there once waited past 30 s (not seen since). A server that
  // never answers still fails the journey.
  const navigationTimeout = 90_000;
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (options) => {
    const context = await newContext(options);
    context.setDefaultNavigationTimeout(navigationTimeout);
    context.on('page', watch);
    return context;
  };
  const newPage = browser.newPage.bind(browser);
  browser.newPage = async (options) => {
    const page = await newPage(options);
    page.setDefaultNavigationTimeout(navigationTimeout);
    watch(page);
    return page;
  };
  const close = browser.close.bind(browser);
  browser.close = async () => {
    await close();
    const left = unreported.splice(0);
    if (left.length) throw new Error(`problems seen on pages no audit checked afterwards:\n${left.join('\n')}`);
  };
  return browser;
}

/** Problems seen on each page since its last audit; all not yet reported, for the close. */
const problems = new WeakMap();
const unreported = [];

const axeRunning = new WeakSet();

function note(page, problem) {
  if (axeRunning.has(page)) return;
  problems.get(page).push(problem);
  unreported.push(problem);
}

/** Watch a page for what must never happen on ours. */
export function watch(page) {
  if (problems.has(page)) return;
  problems.set(page, []);
  page.on('response', (r) => {
    const url = new URL(r.url());
    if ((url.pathname.startsWith('/static/') || url.pathname === '/favicon.ico') && r.status() >= 400) {
      note(page, `${r.status()} for our own file ${url.pathname}`);
    }
    const location = r.headers().location || '';
    if (/csrf_token=/i.test(location)) note(page, `form token in a redirect from ${url.pathname}: ${location}`);
  });
  page.on('request', (r) => {
    if (/[?&]csrf_token=/i.test(r.url())) note(page, `form token in an address: ${r.url()}`);
  });
  page.on('console', (m) => {
    // A page answering 4xx on purpose (a refused step, a 404 test) logs "Failed to load
    // resource"; our own files' failures are caught above, by status.
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) {
      note(page, `console error on ${page.url()}: ${m.text()}`);
    }
  });
  page.on('pageerror', (e) => note(page, `script error on ${page.url()}: ${e.message}`));
}

/** What was seen on the page since the last check, as lines (and forget them). */
function takeProblems(page) {
  const seen = problems.get(page)?.splice(0) ?? [];
  for (const p of seen) {
    const i = unreported.indexOf(p);
    if (i >= 0) unreported.splice(i, 1);
  }
  return seen;
}

/** Links and form actions on the page that carry a form token. */
async function tokensInAddresses(page) {
  return page.evaluate(() => [
    ...[...document.querySelectorAll('a[href]')].map((a) => a.getAttribute('href')),
    ...[...document.querySelectorAll('form[action]')].map((f) => f.getAttribute('action')),
  ].filter((u) => /csrf_token=/i.test(u)));
}

/** At 390 px: whether the page is wider than the screen, naming the widest elements. */
export async function phoneOverflow(page) {
  return page.evaluate(() => {
    const width = window.innerWidth;
    if (document.documentElement.scrollWidth <= width) return null;
    const wide = [...document.querySelectorAll('body *')]
      .filter((e) => e.getBoundingClientRect().right > width + 1)
      .slice(-5)
      .map((e) => `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ''}${e.className && typeof e.className === 'string' ? `.${e.className.trim().split(/\s+/).join('.')}` : ''}`);
    return `scrollWidth ${document.documentElement.scrollWidth} > ${width}: ${wide.join(', ')}`;
  });
}

/** Run axe-core on the page; returns violations of impact serious or critical. */
export async function seriousViolations(page) {
  // Our CSP forbids inline scripts, so inject axe through the DevTools protocol instead of a tag.
  // axe itself sets inline styles (refused by our CSP, logged as console errors): what happens
  // while it runs is its doing, not the page's.
  axeRunning.add(page);
  let result;
  try {
    await page.evaluate(axeSource);
    result = await page.evaluate(async () => {
      // eslint-disable-next-line no-undef
      return await axe.run(document, { resultTypes: ['violations'] });
    });
    await page.waitForTimeout(100); // let its last console messages arrive
  } finally {
    axeRunning.delete(page);
  }
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
  const tokens = await tokensInAddresses(page);
  if (tokens.length) throw new Error(`${name}: form token in an address: ${tokens.join(', ')}`);
  const shots = process.env.MINWON_SCREENSHOTS;
  if (shots) {
    mkdirSync(shots, { recursive: true });
    await page.screenshot({ path: `${shots}/${name}.png`, fullPage });
  }
  // The phone pass: the same page at 390 px fits the screen (axe at that width is run by the
  // journeys that ask for it: `auditPhone`).
  if (shots) {
    const before = page.viewportSize() ?? { width: 1280, height: 720 };
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: `${shots}/${name}-phone.png`, fullPage });
    await page.setViewportSize(before);
  }
  await fitsThePhone(page, name);
  const seen = takeProblems(page);
  if (seen.length) throw new Error(`${name}:\n${seen.join('\n')}`);
}

/** `audit` at 390 px: axe at phone width too, then back to the width the page had. */
export async function auditPhone(page, name, fullPage = true) {
  const before = page.viewportSize() ?? { width: 1280, height: 720 };
  await page.setViewportSize({ width: 390, height: 844 });
  try {
    await audit(page, name, fullPage);
  } finally {
    await page.setViewportSize(before);
  }
}

/** Fail when the page at 390 px is wider than the screen (measured at that width). */
export async function fitsThePhone(page, name) {
  const before = page.viewportSize() ?? { width: 1280, height: 720 };
  if (before.width !== 390) await page.setViewportSize({ width: 390, height: 844 });
  try {
    const overflow = await phoneOverflow(page);
    if (overflow) throw new Error(`${name} runs off a 390 px screen: ${overflow}`);
  } finally {
    if (before.width !== 390) await page.setViewportSize(before);
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

/** A page in a context of its own at `width`, signed in as `username`. */
export async function signedIn(browser, url, username, width = 1280) {
  const ctx = await browser.newContext({ viewport: { width, height: 900 } });
  const page = await ctx.newPage();
  await signIn(page, url, username);
  return page;
}

/** `audit`, and nothing wider than the page's own width either (a desktop page can overflow too). */
export async function auditFits(page, name) {
  await audit(page, name);
  const fits = await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
  if (!fits) throw new Error(`${name}: horizontal overflow at ${page.viewportSize().width} px`);
}
