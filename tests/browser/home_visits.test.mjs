// Journey through home visits (issue 18, 찾아가는 민원) in headless Chromium, each page audited
// with axe-core: a 읍면동 official takes a phone request (bad input first: every problem beside
// its field, everything typed kept, nothing stored), the supervisor makes a round with a team
// (a team with no members refused first), puts the request in, plans it, moves a stop by hand,
// publishes and prints the round sheet; the team member records the outcome at the door and
// the resident's message reaches the outbox (the demo's SMS log). Then English at 390 px.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { openDemo, closeDemo, signIn, clean, audit, auditPhone, ownPage, inAWeek } from './harness.mjs';

let server;
let browser;
let requestUrl;
let roundUrl;
const NAME = '도시험';
const PHONE = '010-4321-8765';

before(async () => ({ server, browser } = await openDemo()));
after(() => closeDemo(server, browser));

const go = (page, sel) => Promise.all([page.waitForNavigation(), page.click(sel)]);

test('a 읍면동 official takes a phone request, bad input first', async () => {
  const page = await ownPage(browser);
  await signIn(page, server.url, 'official.desk');
  await page.goto(`${server.url}/home-visits`);
  await audit(page, 'home-visits-hub');
  await go(page, '#new-request');
  await clean(page);
  // Too young, nothing that qualifies, no consent, coordinates in the sea off Japan.
  await page.fill('#hv-name', NAME);
  await page.fill('#hv-age', '40');
  await page.fill('#hv-phone', PHONE);
  await page.fill('#hv-address', '경기도 예시군 예시읍 시험길 5');
  await page.fill('#hv-lat', '10.5');
  await page.click('label[for=hv-caller-family]');
  await page.fill('#hv-reason', '고관절 골절로 거동 불편');
  await page.click('label[for=hv-service-passport_delivery]');
  await go(page, '#request-submit');
  assert.match(await page.textContent('#hv-basis-error'), /방문 대상이 아닙니다/);
  assert.match(await page.textContent('#hv-consent-error'), /동의가 필요합니다/);
  assert.match(await page.textContent('#hv-lat-error'), /대한민국 밖/);
  assert.equal(await page.inputValue('#hv-name'), NAME);
  assert.equal(await page.inputValue('#hv-reason'), '고관절 골절로 거동 불편');
  assert.ok(await page.isChecked('#hv-service-passport_delivery'));
  await audit(page, 'home-visits-request-refused');
  // Corrected: 83 and living alone, consent given, the county's coordinates.
  await page.fill('#hv-age', '83');
  await page.fill('#hv-lat', '36.6550');
  await page.fill('#hv-lon', '127.5020');
  await page.click('label[for=hv-living_alone]');
  await page.click('label[for=hv-consent-box]');
  await go(page, '#request-submit');
  assert.match(page.url(), /\/home-visits\/requests\/\d+\?done=taken$/);
  requestUrl = page.url().replace(/\?.*$/, '');
  assert.match(await page.textContent('#request-state'), /대상 확인/);
  assert.match(await page.textContent('#request-basis'), /83세.*홀로 사는 분/);
  await audit(page, 'home-visits-request');
});

test('the supervisor makes a round, plans it, moves a stop and prints the sheet', async () => {
  const page = await ownPage(browser);
  await signIn(page, server.url, 'sup.civil');
  await page.goto(`${server.url}/home-visits/rounds`);
  await clean(page);
  await page.fill('#round-day', inAWeek());
  await page.fill('#round-area', '예시읍 시험 구역');
  await go(page, '#round-create');
  assert.match(page.url(), /\/home-visits\/rounds\/\d+$/);
  roundUrl = page.url();
  // A team with no members: refused beside the field, the name kept.
  await page.fill('#team-name', '시험팀');
  await page.click('label[for=kit-signature_tablet]');
  await go(page, '#team-add');
  assert.match(await page.textContent('#team-members-error'), /팀원을 한 명 이상/);
  assert.equal(await page.inputValue('#team-name'), '시험팀');
  assert.ok(await page.isChecked('#kit-signature_tablet'));
  await audit(page, 'home-visits-team-refused');
  await page.locator('#team-members label', { hasText: '김민원' }).first().click();
  await page.fill('#team-max_visits', '6');
  for (const k of ['forms', 'seal_pad', 'cash_box']) await page.click(`label[for=kit-${k}]`);
  await go(page, '#team-add');
  assert.match(await page.textContent('#round-done'), /팀을 추가했습니다/);
  // Every waiting request in (ours and the demo's revisits).
  for (const label of await page.locator('#requests-form .krds-form-check label').all()) await label.click();
  await go(page, '#add-requests');
  await go(page, '#plan-button');
  assert.match(await page.textContent('#round-done'), /경로를 계획했습니다/);
  const table = page.locator('table[id^=stops-]').first();
  assert.match(await table.textContent(), new RegExp(NAME));
  await audit(page, 'home-visits-round-planned');
  // Move the first stop down: re-timed in the new order.
  const first = (await table.locator('tbody tr th').first().textContent()).trim();
  await go(page, 'table[id^=stops-] tbody tr:first-child button[value=down]');
  const second = (await page.locator('table[id^=stops-] tbody tr:nth-child(2) th').first().textContent()).trim();
  assert.equal(second, first);
  assert.match(await page.textContent('#round-state'), /순서 조정됨/);
  await audit(page, 'home-visits-round-moved');
  await go(page, '#publish-button');
  assert.match(await page.textContent('#round-state'), /확정·배부/);
  // The sheet: one team, its stops, the kit and the sketch, drawn here.
  await go(page, 'a[id^=sheet-]');
  assert.match(await page.textContent('main'), new RegExp(NAME));
  assert.ok(await page.locator('svg.mw-sketch circle').count() >= 1);
  await audit(page, 'home-visits-sheet');
  await page.emulateMedia({ media: 'print' });
  if (process.env.MINWON_SCREENSHOTS) {
    await page.screenshot({ path: join(process.env.MINWON_SCREENSHOTS, 'home-visits-sheet-print.png'), fullPage: true });
  }
  assert.equal(await page.locator('nav.mw-nav').isVisible(), false);
  await page.emulateMedia({ media: 'screen' });
});

test('the team member records the visit and the resident is told', async () => {
  const page = await ownPage(browser);
  await signIn(page, server.url, 'official.desk');
  await page.goto(roundUrl);
  await go(page, `table[id^=stops-] a:text("${NAME}")`);
  await clean(page);
  // Nothing chosen: both asked for beside their fields.
  await go(page, '#outcome-submit');
  assert.match(await page.textContent('#out-outcome-error'), /방문 결과를 고르세요/);
  assert.match(await page.textContent('#out-identity_method-error'), /본인 확인 방법/);
  await audit(page, 'home-visits-outcome-refused');
  await page.click('label[for=method-id_card]');
  await page.click('label[for=outcome-done]');
  await page.fill('#out-notes', '여권 전달, 수령 서명 받음');
  await go(page, '#outcome-submit');
  assert.match(await page.textContent('#outcome-recorded'), /처리 완료/);
  await audit(page, 'home-visits-outcome');
  // The outbox worker sends it: the demo writes text messages to its SMS log.
  const log = join(server.data, 'sms.log');
  // The demo's own completed round sends the same words to others: wait for this resident's line.
  const ours = (all) =>
    all.split('\n').find((l) => l.includes('방문이 끝났습니다') && (l.includes(PHONE) || l.includes(PHONE.replace(/-/g, ''))));
  let text = '';
  for (let i = 0; i < 60 && !ours(text); i++) {
    await new Promise((r) => setTimeout(r, 500));
    text = existsSync(log) ? readFileSync(log, 'utf8') : '';
  }
  assert.ok(ours(text), text.slice(-400));
  await page.goto(requestUrl);
  assert.match(await page.textContent('#request-state'), /방문함/);
});

test('in English at 390 px', async () => {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await ctx.newPage();
  await signIn(page, server.url, 'sup.civil');
  await page.goto(`${roundUrl}?lang=en`);
  assert.match(await page.textContent('h1'), /Round/);
  await auditPhone(page, 'home-visits-round-en');
  await page.goto(`${server.url}/home-visits/requests/new?lang=en`);
  assert.match(await page.textContent('h1'), /Take a home-visit request/);
  await auditPhone(page, 'home-visits-form-en');
  await page.goto(`${server.url}/home-visits?lang=en`);
  await auditPhone(page, 'home-visits-hub-en');
});
