// The panic alert that always reaches someone and says the truth, in headless Chromium with
// axe-core: an official presses the button, the confirmation lists the real recipients (from
// the rows written), the supervisor's screen shows it live and acknowledges it; an official of
// a department without a supervisor still reaches the protection officer; someone else's alert
// cannot be acknowledged; an access restriction needs its coverage and keeps what was typed.
// With MINWON_SCREENSHOTS=DIR, every step is shot at desktop width and at 390 px.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openDemo, closeDemo, audit, signIn } from './harness.mjs';

let server;
let browser;

before(async () => ({ server, browser } = await openDemo()));
after(() => closeDemo(server, browser));

/** Audit at desktop width, then at 390 px (phone), in the page's current language. */
async function both(page, name) {
  await page.setViewportSize({ width: 1280, height: 900 });
  await audit(page, `${name}-desktop`);
  await page.setViewportSize({ width: 390, height: 844 });
  await audit(page, `${name}-390`);
  await page.setViewportSize({ width: 1280, height: 900 });
}

async function recipients(page) {
  return page.$$eval('#alert-recipients tbody tr', (rows) =>
    rows.map((r) => Array.from(r.children).map((c) => c.textContent.trim())));
}

test('official presses, confirmation lists real recipients, supervisor sees it live and acknowledges', async () => {
  const officialCtx = await browser.newContext();
  const supCtx = await browser.newContext();
  const buildCtx = await browser.newContext();
  const official = await officialCtx.newPage();
  const sup = await supCtx.newPage();
  const build = await buildCtx.newPage();
  await signIn(official, server.url, 'official.desk');
  await signIn(sup, server.url, 'sup.civil');
  await signIn(build, server.url, 'official.build');

  // The supervisor's screen is open and listening.
  const [stream] = await Promise.all([
    sup.waitForResponse((r) => r.url().endsWith('/api/v1/protection/alerts/stream')),
    sup.goto(`${server.url}/desk`),
  ]);
  assert.equal(stream.status(), 200);

  // The official presses the panic button in the page header.
  await official.goto(`${server.url}/desk`);
  await Promise.all([official.waitForNavigation(), official.click('.mw-panic')]);
  assert.match(official.url(), /\/protection\/alerts\/\d+$/);
  const alertUrl = official.url();
  const summary = await official.textContent('#alert-summary');
  assert.match(summary, /한과장/);
  assert.match(summary, /조보호/);
  const rows = await recipients(official);
  const has = (name, channel) => rows.some((r) => r[0].startsWith(name) && r[2] === channel);
  for (const [name, channel] of [['한과장', '화면'], ['한과장', '문자'], ['한과장', '메일'], ['조보호', '화면'], ['조보호', '문자']]) {
    assert.ok(has(name, channel), `${name} ${channel} in ${JSON.stringify(rows)}`);
  }
  assert.ok(rows.every((r) => !r[0].includes('5550-1002')), 'phone numbers are masked');
  await both(official, 'alert-confirmation-ko');

  // The supervisor sees it live, opens it and acknowledges.
  await sup.waitForSelector('#mw-live-alerts:not([hidden])', { timeout: 10000 });
  assert.match(await sup.textContent('#mw-live-alerts'), /김민원/);
  await both(sup, 'alert-live-banner-ko');
  await Promise.all([sup.waitForNavigation(), sup.click('#mw-live-alerts a')]);
  assert.equal(sup.url(), alertUrl);
  await Promise.all([sup.waitForNavigation(), sup.click('#ack-button')]);
  assert.match(await sup.textContent('[role=status]'), /출동 확인을 기록했습니다/);
  await both(sup, 'alert-acknowledged-ko');

  // The official's confirmation now says who comes, and the supervisor's screen was shown it.
  await official.reload();
  assert.match(await official.textContent('.mw-facts'), /한과장/);
  const after = await recipients(official);
  assert.ok(after.some((r) => r[0].startsWith('한과장') && r[2] === '화면' && r[3] === '화면에 표시됨'), JSON.stringify(after));
  await official.goto(`${alertUrl}?lang=en`);
  assert.match(await official.textContent('#alert-summary'), /Told \d+ people/);
  await both(official, 'alert-confirmation-en');

  // Acknowledging twice: a clear error on the page.
  const again = await sup.request.post(`${alertUrl}/acknowledge`, {
    form: { csrf_token: await sup.getAttribute('input[name=csrf_token]', 'value') },
  });
  assert.equal(again.status(), 409);
  assert.match(await again.text(), /이미 다른 사람이 출동 확인한/);

  // 건설교통과 has no supervisor: the protection officer is still told, the civil supervisor not.
  await build.goto(`${server.url}/desk`);
  await Promise.all([build.waitForNavigation(), build.click('.mw-panic')]);
  const buildAlert = build.url();
  const buildRows = await recipients(build);
  assert.ok(buildRows.some((r) => r[0].startsWith('조보호')), JSON.stringify(buildRows));
  assert.ok(!buildRows.some((r) => r[0].startsWith('한과장')), JSON.stringify(buildRows));
  await both(build, 'alert-no-supervisor-ko');
  // The civil supervisor was not sent it: he can neither open nor acknowledge it.
  const foreign = await sup.request.post(`${buildAlert}/acknowledge`, {
    form: { csrf_token: await sup.getAttribute('input[name=csrf_token]', 'value') },
  });
  assert.equal(foreign.status(), 403);
  assert.match(await foreign.text(), /귀하에게 보낸 것이 아니어서/);

  // An access restriction on the first incident: no coverage is refused next to the field,
  // and what was typed stays.
  await official.goto(alertUrl);
  const incident = server.url + await official.getAttribute('a[href^="/protection/incidents/"]', 'href');
  await sup.goto(incident);
  await sup.fill('#m-start', '2026-12-01T09:00');
  await sup.fill('#m-end', '2026-12-31T18:00');
  await sup.fill('#m-why', '흉기 소지 위협');
  await Promise.all([sup.waitForNavigation(), sup.click('form:has(input[value=access_restricted]) button')]);
  assert.match(await sup.textContent('#m-restrict-error'), /제한 범위/);
  assert.equal(await sup.inputValue('#m-why'), '흉기 소지 위협');
  assert.equal(await sup.inputValue('#m-start'), '2026-12-01T09:00');
  await sup.locator('#m-restrict-error').scrollIntoViewIfNeeded();
  await both(sup, 'restriction-needs-coverage-ko');
  // With coverage but no petitioner known: refused with what to do.
  await sup.click('label[for=m-cov-online]');
  await Promise.all([sup.waitForNavigation(), sup.click('form:has(input[value=access_restricted]) button')]);
  assert.match(await sup.textContent('#m-restrict-error'), /민원인이 확인된 사건/);
  // The official names the petitioner; the restriction is recorded with its coverage.
  await official.goto(incident);
  await official.fill('#e-name', '박민원');
  await official.fill('#e-phone', '010-9000-1000');
  await Promise.all([official.waitForNavigation(), official.click(`form[action$="/incidents/${incident.split('/').pop()}"] button`)]);
  await sup.goto(incident);
  await sup.fill('#m-start', '2026-12-01T09:00');
  await sup.fill('#m-end', '2026-12-31T18:00');
  await sup.fill('#m-why', '흉기 소지 위협');
  await sup.click('label[for=m-cov-online]');
  await sup.click('label[for=m-cov-visits]');
  await Promise.all([sup.waitForNavigation(), sup.click('form:has(input[value=access_restricted]) button')]);
  assert.match(await sup.textContent('#measures ol'), /방문, 온라인 신청/);
  await sup.goto(`${incident}?lang=en`);
  await both(sup, 'restriction-recorded-en');

  await officialCtx.close();
  await supCtx.close();
  await buildCtx.close();
});
