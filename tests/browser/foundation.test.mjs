// Journeys over the foundation's pages: home, sign-in (wrong and right), sign-out; each audited.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { openDemo, closeDemo, seriousViolations, signIn } from './harness.mjs';

let server;
let browser;
const shots = process.env.MINWON_SCREENSHOTS; // a folder, to refresh docs/screenshots

before(async () => {
  ({ server, browser } = await openDemo());
  if (shots) mkdirSync(shots, { recursive: true });
});
after(() => closeDemo(server, browser));

test('home page is Korean first, styled by KRDS, and accessible', async () => {
  const page = await browser.newPage();
  const failed = [];
  page.on('response', (r) => { if (r.url().includes('/static/') && r.status() >= 400) failed.push(r.url()); });
  await page.goto(server.url);
  assert.equal(await page.getAttribute('html', 'lang'), 'ko');
  assert.match(await page.textContent('h1'), /민원/);
  // The vendored KRDS stylesheet is served by Minwon itself.
  const sheets = await page.evaluate(() => [...document.styleSheets].map((s) => s.href || ''));
  assert.ok(sheets.some((h) => h.endsWith('/static/krds/css/component/component.css')));
  assert.deepEqual(failed, []);
  assert.deepEqual(await seriousViolations(page), []);
  if (shots) await page.screenshot({ path: `${shots}/home.png`, fullPage: true });
  await page.close();
});

test('sign-in: a wrong password is explained, the right one signs in, sign-out works', async () => {
  const page = await browser.newPage();
  await page.goto(`${server.url}/login`);
  assert.deepEqual(await seriousViolations(page), []);
  if (shots) await page.screenshot({ path: `${shots}/login.png`, fullPage: true });

  await signIn(page, server.url, 'official.desk', 'not-the-password-1');
  const alert = await page.textContent('[role=alert]:not(#mw-live-alerts)');
  assert.match(alert, /아이디 또는 비밀번호가 맞지 않습니다/);
  assert.match(alert, /wrong username or password/);
  assert.deepEqual(await seriousViolations(page), []);

  await signIn(page, server.url, 'official.desk');
  // An official starts on the queue (issue 16).
  assert.equal(new URL(page.url()).pathname, '/desk');
  assert.deepEqual(await seriousViolations(page), []);

  await Promise.all([page.waitForNavigation(), page.click('form[action="/logout"] button')]);
  assert.match(await page.textContent('header'), /로그인/);
  await page.close();
});

test('keyboard users reach the content first through the skip link', async () => {
  const page = await browser.newPage();
  await page.goto(server.url);
  await page.keyboard.press('Tab');
  const focused = await page.evaluate(() => document.activeElement?.getAttribute('href'));
  assert.equal(focused, '#container');
  await page.close();
});
