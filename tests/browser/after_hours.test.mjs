// Journey through the after-hours reception (issue 18, items 1-3 and 7) in headless Chromium,
// each page audited with axe-core: the administrator sets the 2nd/4th-Thursday passport
// schedule from the plain choices (a rule that never opens first: the error beside the rule,
// everything kept; then the preview; then save) and its service; a resident without an account
// books, the slot fills, a second booking with the same phone is refused, a bad code is
// answered, the code cancels. Then the pages in English at 390 px.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openDemo, closeDemo, signIn, clean, audit, ownPage } from './harness.mjs';

let server;
let browser;
let scheduleId;
let code;

before(async () => ({ server, browser } = await openDemo()));
after(() => closeDemo(server, browser));

const go = (page, sel) => Promise.all([page.waitForNavigation(), page.click(sel)]);

test('the administrator sets the 2nd and 4th Thursday schedule with a preview', async () => {
  const page = await ownPage(browser);
  await signIn(page, server.url, 'admin');
  await page.goto(`${server.url}/after-hours/office`);
  await audit(page, 'after-hours-office');
  await go(page, '#new-schedule');
  await clean(page);
  await page.selectOption('#s-department', { label: '민원팀' });
  await page.fill('#s-name', '목요 야간 여권 (시험)');
  await page.fill('#s-place', '본관 1층');
  // A typed rule that never opens: the error beside the rule, the text kept, nothing saved.
  await page.click('label[for=p-raw]');
  await page.fill('#s-rule-text', 'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30');
  await go(page, '#save-button');
  assert.match(await page.textContent('#s-rule-error'), /여는 날이 없습니다|RFC 5545|규칙/);
  assert.equal(await page.inputValue('#s-rule-text'), 'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30');
  assert.equal(await page.inputValue('#s-name'), '목요 야간 여권 (시험)');
  await clean(page);
  // The plain choice (2nd and 4th Thursday, preset) previewed: the evenings, the rule written.
  await page.click('label[for=p-nth]');
  await go(page, '#preview-button');
  assert.equal(await page.inputValue('#s-rule-text'), 'FREQ=MONTHLY;BYDAY=2TH,4TH');
  const rows = await page.locator('#preview-open tbody tr').count();
  assert.equal(rows, 8);
  assert.match(await page.textContent('#preview-open'), /\(목\)/);
  assert.equal(await page.inputValue('#s-name'), '목요 야간 여권 (시험)');
  await audit(page, 'after-hours-preview');
  await go(page, '#save-button');
  assert.match(page.url(), /\/after-hours\/office\/\d+\?done=created$/);
  scheduleId = page.url().match(/office\/(\d+)/)[1];
  // A service from its defaults: a slot longer than the evening first.
  await go(page, `a[href="/after-hours/office/${scheduleId}/services?kind=passport_application"]`);
  assert.match(await page.inputValue('#v-checklist'), /3\.5×4\.5cm/);
  await page.fill('#v-slot_minutes', '180');
  await go(page, '#service-save');
  assert.match(await page.textContent('#v-slot_minutes-error'), /운영 시간/);
  assert.equal(await page.inputValue('#v-slot_minutes'), '180');
  await clean(page);
  await page.fill('#v-slot_minutes', '30');
  await page.fill('#v-counters', '1');
  await page.fill('#v-per_counter', '1');
  await go(page, '#service-save');
  assert.match(page.url(), /done=service$/);
  await audit(page, 'after-hours-schedule');
});

test('a resident books, the slot fills, a second booking is refused, the code cancels', async () => {
  const page = await ownPage(browser);
  await page.goto(`${server.url}/after-hours`);
  await audit(page, 'after-hours-resident');
  const form = `#book-${scheduleId}`;
  const first = await page.locator(`${form} select[name=slot] option:not([value=""])`).first();
  const value = await first.getAttribute('value');
  // Bad input: a malformed phone and no consent, said beside the fields, everything kept.
  await page.selectOption(`${form} select[name=slot]`, value);
  await page.fill(`#b${scheduleId}-name`, '홍길동');
  await page.fill(`#b${scheduleId}-phone`, '12-34');
  await go(page, `${form} button[type=submit]`);
  assert.match(await page.textContent(`#b${scheduleId}-phone-error`), /전화번호 형식/);
  assert.match(await page.textContent(`#b${scheduleId}-consent-error`), /동의/);
  assert.equal(await page.inputValue(`#b${scheduleId}-name`), '홍길동');
  assert.equal(await page.inputValue(`${form} select[name=slot]`), value);
  await clean(page);
  await page.fill(`#b${scheduleId}-phone`, '010-4321-8765');
  await page.click(`label[for=b${scheduleId}-consent]`);
  await go(page, `${form} button[type=submit]`);
  code = (await page.textContent('#booking-code')).trim();
  assert.match(code, /^[A-Z2-9]{4}-[A-Z2-9]{4}$/);
  assert.match(await page.textContent('#checklist'), /3\.5×4\.5cm/);
  assert.match(await page.getAttribute('#ics-link', 'href'), /\.ics$/);
  await audit(page, 'after-hours-confirmation');

  // The slot is full now; the same phone on another slot that evening is refused.
  await page.goto(`${server.url}/after-hours`);
  const full = page.locator(`${form} select[name=slot] option[value="${value}"]`);
  assert.equal(await full.getAttribute('disabled'), '');
  assert.match(await full.textContent(), /마감/);
  const day = value.split('|')[0];
  const other = await page.locator(`${form} select[name=slot] option[value^="${day}|"]:not([disabled])`).first().getAttribute('value');
  await page.selectOption(`${form} select[name=slot]`, other);
  await page.fill(`#b${scheduleId}-name`, '홍길동');
  await page.fill(`#b${scheduleId}-phone`, '01043218765');
  await page.click(`label[for=b${scheduleId}-consent]`);
  await go(page, `${form} button[type=submit]`);
  assert.match(await page.textContent(`#b${scheduleId}-phone-error`), /한 사람당 하루 한 건/);
  await clean(page);

  // A code that does not exist, then the real one cancels.
  await page.goto(`${server.url}/after-hours/booking`);
  await page.fill('#l-code', 'ZZZZ-ZZZZ');
  await page.fill('#l-phone', '010-4321-8765');
  await go(page, '#lookup-form button[type=submit]');
  assert.match(await page.textContent('#l-code-error'), /맞는 예약이 없습니다/);
  assert.equal(await page.inputValue('#l-code'), 'ZZZZ-ZZZZ');
  await clean(page);
  await page.fill('#l-code', code);
  await go(page, '#lookup-form button[type=submit]');
  assert.match(await page.textContent('#found-state'), /예약 확정/);
  await audit(page, 'after-hours-lookup');
  await go(page, '#cancel-form button[type=submit]');
  assert.match(await page.textContent('#lookup-done'), /취소했습니다/);
  assert.match(await page.textContent('#found-state'), /취소/);
});

test('the pages in English at 390 px, without horizontal overflow', async () => {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await ctx.newPage();
  for (const path of ['/after-hours?lang=en', '/after-hours/booking']) {
    await page.goto(`${server.url}${path}`);
    assert.match(await page.textContent('h1'), /book|Book|booking/);
    await audit(page, `after-hours-390${path.replace(/[^a-z0-9]+/gi, '-')}`);
  }
  await signIn(page, server.url, 'official.desk');
  await page.goto(`${server.url}/after-hours/office/${scheduleId}`);
  await audit(page, 'after-hours-390-schedule');
  await go(page, '#evening-list form button[type=submit]');
  assert.match(page.url(), /\/after-hours\/evenings\/\d+$/);
  assert.match(await page.textContent('#phone-h'), /phone/);
  await audit(page, 'after-hours-390-evening');
});
