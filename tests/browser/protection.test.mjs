// Frontline protection (capability C3) in headless Chromium, each page audited with axe-core:
// an official presses the panic button and records the incident with a recording as evidence;
// the supervisor sees the alert live (server-sent events) and takes the measures in legal order;
// the indicators count it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { openDemo, closeDemo, signIn, clean, ownPage } from './harness.mjs';

let server;
let browser;

before(async () => ({ server, browser } = await openDemo()));
after(() => closeDemo(server, browser));

/** A tiny WAV recording. */
function wav() {
  const data = Buffer.from([0, 1, 2, 3, 4, 5, 6, 7]);
  const h = Buffer.alloc(44);
  h.write('RIFF', 0);
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVEfmt ', 8);
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(8000, 24);
  h.writeUInt32LE(8000, 28);
  h.writeUInt16LE(1, 32);
  h.writeUInt16LE(8, 34);
  h.write('data', 36);
  h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}

async function officeIncidents(page) {
  const res = await page.request.get(`${server.url}/api/v1/protection/indicators`);
  assert.equal(res.status(), 200);
  const body = await res.json();
  const now = new Date(Date.now() + 9 * 3600 * 1000).toISOString().slice(0, 7);
  const row = body.rows.find((r) => r.month === now && r.department_id === null);
  return row ? row.indicators : { incidents: 0, responded: 0, measures: {} };
}

test('panic alert seen live, incident with a recording, measures in legal order, counted', async () => {
  const officialCtx = await browser.newContext();
  const supervisorCtx = await browser.newContext();
  const official = await officialCtx.newPage();
  const sup = await supervisorCtx.newPage();
  await signIn(official, server.url, 'official.desk');
  await signIn(sup, server.url, 'sup.civil');
  const before = await officeIncidents(sup);

  // The supervisor's screen is open and listening.
  const [stream] = await Promise.all([
    sup.waitForResponse((r) => r.url().endsWith('/api/v1/protection/alerts/stream')),
    sup.goto(`${server.url}/protection`),
  ]);
  assert.equal(stream.status(), 200);
  await clean(sup);

  // The official presses the panic button in the page header (a plain form post).
  await official.goto(`${server.url}/desk`);
  await Promise.all([official.waitForNavigation(), official.click('.mw-panic')]);
  assert.match(official.url(), /\/protection\/alerts\/\d+$/);
  assert.match(await official.textContent('#alert-summary'), /알렸습니다/);
  await clean(official);
  // No place known yet: the page asks where, after the alert has gone out.
  assert.match(await official.textContent('#where-h'), /지금 어디에 계십니까/);
  await official.fill('#where-place', '3번 창구');
  await Promise.all([official.waitForNavigation(), official.click('#where-send')]);
  assert.match(await official.textContent('main dl'), /3번 창구/);
  await clean(official);
  const incidentUrl = server.url + await official.getAttribute('a[href^="/protection/incidents/"]', 'href');
  await Promise.all([official.waitForNavigation(), official.click('a[href^="/protection/incidents/"]')]);

  // The supervisor sees it live, without reloading, and opens the incident.
  await sup.waitForSelector('#mw-live-alerts:not([hidden])', { timeout: 10000 });
  assert.match(await sup.textContent('#mw-live-alerts'), /김민원/);
  // The place said after the press replaces the banner's line: one line, with the place.
  await sup.waitForFunction(() => /3번 창구/.test(document.getElementById('mw-live-alerts').textContent),
    null, { timeout: 10000 });
  assert.equal(await sup.$$eval('#mw-live-alerts p', (ps) => ps.length), 1);
  await Promise.all([sup.waitForNavigation(), sup.click('#mw-live-alerts a')]);
  assert.match(sup.url(), /\/protection\/alerts\/\d+$/);
  await sup.goto(incidentUrl);

  // The official records what happened and attaches the recording.
  await official.selectOption('#e-kind', 'verbal_abuse');
  await official.fill('#e-narrative', '창구에서 30분간 고성과 욕설');
  await Promise.all([official.waitForNavigation(), official.click('form[action$="/incidents/' + incidentUrl.split('/').pop() + '"] button')]);
  const recording = wav();
  await official.selectOption('#ev-kind', 'recording');
  await official.setInputFiles('#ev-file', { name: 'call.wav', mimeType: 'audio/wav', buffer: recording });
  await Promise.all([official.waitForNavigation(), official.click('form[enctype="multipart/form-data"] button')]);
  assert.match(official.url(), /\/protection\/evidence\/\d+/);
  const sha = createHash('sha256').update(recording).digest('hex');
  assert.equal((await official.textContent('#ev-sha')).trim(), sha);
  assert.match(await official.textContent('table'), /등록/);
  await clean(official);

  // The supervisor: ending is refused until a warning is recorded; then in legal order.
  await sup.reload();
  assert.equal(await sup.isDisabled('form:has(input[value=ended]) button'), true);
  assert.match(await sup.textContent('#why-ended'), /경고/);
  await clean(sup);
  await sup.selectOption('#m-reason', 'insult');
  await Promise.all([sup.waitForNavigation(), sup.click('form:has(input[value=warning]) button')]);
  assert.equal(await sup.isDisabled('form:has(input[value=ended]) button'), false);
  await Promise.all([sup.waitForNavigation(), sup.click('form:has(input[value=ended]) button')]);
  const measures = await sup.$$eval('#measures ol li strong', (els) => els.map((e) => e.textContent));
  assert.deepEqual(measures, ['경고(사유 고지)', '통화·면담 종료']);
  // Supervisors do not open evidence.
  assert.equal(await sup.$('#ev-h'), null);

  // The indicators count it.
  const after = await officeIncidents(sup);
  assert.equal(after.incidents, before.incidents + 1);
  assert.equal(after.responded, before.responded + 1);
  assert.equal((after.measures.ended || 0), (before.measures.ended || 0) + 1);
  await sup.goto(`${server.url}/protection/indicators`);
  await clean(sup);

  await officialCtx.close();
  await supervisorCtx.close();
});

test('equipment, drills, contact timer pages are accessible and work', async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await signIn(page, server.url, 'protect');
  await page.goto(`${server.url}/protection/equipment`);
  assert.match(await page.textContent('table'), /호루라기-01/);
  await clean(page);
  await page.goto(`${server.url}/protection/drills`);
  assert.match(await page.textContent('main'), /흉기 소지/);
  await clean(page);

  const official = await ownPage(browser);
  await signIn(official, server.url, 'official.desk');
  await official.goto(`${server.url}/protection/contact`);
  await clean(official);
  await Promise.all([official.waitForNavigation(), official.click('form[action="/protection/contact"] button')]);
  // With the script the warning waits for the recommended time; the clock runs.
  await official.waitForFunction(() => /\d\d:\d\d/.test(document.getElementById('mw-contact-clock').textContent));
  assert.equal(await official.isHidden('#mw-contact-warning'), true);
  assert.equal(await official.isDisabled('form:has(input[name=ended_by_official][value=yes]) button'), true);
  await clean(official);
  await Promise.all([official.waitForNavigation(), official.click('form[action$="/warn"] button')]);
  await Promise.all([official.waitForNavigation(), official.click('form:has(input[name=ended_by_official][value=yes]) button')]);
  assert.match(await official.textContent('main'), /응대를 마쳤습니다/);
  await ctx.close();
});

test('the incident form keeps everything typed and says every problem beside its field', async () => {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await ctx.newPage();
  await signIn(page, server.url, 'official.build');
  await page.goto(`${server.url}/protection?lang=en`);
  await clean(page);
  await page.selectOption('#n-kind', 'threat');
  await page.fill('#n-occurred_at', '2099-01-01T09:00');
  await page.fill('#n-petition', '2026-9999999');
  await page.fill('#n-name', '박민원');
  await page.fill('#n-narrative', 'Shouted at the counter for 20 minutes');
  await Promise.all([page.waitForNavigation(), page.click('#incident-form button[type=submit]')]);
  assert.match(await page.textContent('#n-petition-error'), /No petition matches ‘2026-9999999’/);
  assert.match(await page.textContent('#n-occurred_at-error'), /future/);
  assert.equal(await page.inputValue('#n-narrative'), 'Shouted at the counter for 20 minutes');
  assert.equal(await page.inputValue('#n-name'), '박민원');
  assert.equal(await page.inputValue('#n-kind'), 'threat');
  assert.equal(await page.getAttribute('#n-petition', 'aria-invalid'), 'true');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the protection page fits 390 px (overflow ${overflow})`);
  await clean(page);
  // Corrected: recorded, with the account as typed.
  await page.fill('#n-occurred_at', '');
  await page.fill('#n-petition', '');
  await Promise.all([page.waitForNavigation(), page.click('#incident-form button[type=submit]')]);
  assert.match(page.url(), /\/protection\/incidents\/\d+\?done=1$/);
  assert.equal(await page.inputValue('#e-narrative'), 'Shouted at the counter for 20 minutes');
  await clean(page);

  // The standing place: said once, every later press carries it.
  await page.goto(`${server.url}/protection`);
  await page.fill('#p-standing', 'Counter 5');
  await Promise.all([page.waitForNavigation(), page.click('form[action="/protection/panic-place"] button')]);
  assert.equal(await page.inputValue('#p-standing'), 'Counter 5');
  await Promise.all([page.waitForNavigation(), page.click('.mw-panic')]);
  assert.match(await page.textContent('main dl'), /Counter 5/);
  assert.match(await page.textContent('#where-h'), /Moved\? Correct your place/);
  await clean(page);
  await ctx.close();
});
