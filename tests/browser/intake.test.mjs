// Counter intake in the browser (issue 14): an official registers a road-use permit a resident
// brought to the counter, forgets one required document (the error sits beside the checklist,
// everything typed and the scanned file are kept), completes it and prints the receipt (접수증)
// on A4. Every page is audited with axe-core; with MINWON_SCREENSHOTS=DIR the print media too.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { openDemo, closeDemo, audit, signIn, ownPage } from './harness.mjs';

let server;
let browser;

before(async () => ({ server, browser } = await openDemo()));
after(() => closeDemo(server, browser));

const TITLE = '가게 앞 도로 점용 (창구 접수)';

test('counter intake: missing document → error beside it, input kept → receipt printed on A4', async () => {
  const official = await ownPage(browser);
  await signIn(official, server.url, 'official.build');
  await official.goto(`${server.url}/desk`);
  await Promise.all([official.waitForNavigation(), official.click('#intake-link')]);
  await audit(official, 'intake-types');
  await Promise.all([official.waitForNavigation(), official.click('#intake-types a:has-text("도로점용허가")')]);

  // Everything but the second required document.
  assert.ok(await official.isChecked('#channel-counter'), 'the counter is the default channel');
  await official.selectOption('#identity_check', 'id_card');
  await official.click('label[for=doc_0]');
  await official.fill('#name', '최영희');
  await official.fill('#phone', '010-2222-3333');
  await official.fill('#title', TITLE);
  await official.fill('#body', '11월 30일부터 사흘 동안 가게 앞 인도에 공사 자재를 둡니다.');
  await official.fill('#x_area', '12');
  await official.selectOption('#x_purpose', '공사');
  await official.setInputFiles('#files', { name: 'scan-위치도.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4 위치도 스캔') });
  await audit(official, 'intake-form');
  await Promise.all([official.waitForNavigation(), official.click('#intake-submit')]);

  const beside = await official.textContent('#documents-error');
  assert.match(beside, /점용물 설계도/);
  assert.match(beside, /구비서류를 확인해 주세요/);
  assert.match(await official.textContent('#form-error'), /입력한 내용과 첨부한 파일은 그대로/);
  assert.equal(await official.inputValue('#title'), TITLE);
  assert.equal(await official.inputValue('#name'), '최영희');
  assert.equal(await official.inputValue('#x_area'), '12');
  assert.equal(await official.inputValue('#identity_check'), 'id_card');
  assert.ok(await official.isChecked('#doc_0'));
  assert.match(await official.textContent('#kept-files'), /scan-위치도\.pdf/);
  await audit(official, 'intake-form-error');
  await official.setViewportSize({ width: 390, height: 844 });
  await audit(official, 'intake-form-error-390');
  await official.setViewportSize({ width: 1280, height: 800 });

  // Completed without choosing the file again: the receipt.
  await official.click('label[for=doc_1]');
  await Promise.all([official.waitForNavigation(), official.click('#intake-submit')]);
  // The receipt comes at once, with the random tracking code that exists in the clear only now.
  const number = (await official.textContent('#receipt-number')).trim();
  assert.match(number, /^\d{4}-\d{7}$/);
  assert.match(await official.textContent('#due'), /\d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
  assert.ok((await official.$$('#due-lines li')).length > 0, 'the due date is explained');
  assert.match(await official.textContent('#tracking-code'), /^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/);
  assert.match(await official.textContent('#receipt-identity'), /주민등록증/);
  assert.match(await official.textContent('#receipt-documents'), /점용 위치도.*점용물 설계도/);
  assert.match(await official.textContent('#receipt'), /scan-위치도\.pdf/);
  await audit(official, 'intake-receipt');

  // Print media: only the slip, on A4.
  await official.emulateMedia({ media: 'print' });
  assert.equal(await official.isVisible('header'), false, 'no page header in print');
  assert.equal(await official.isVisible('.mw-noprint'), false);
  assert.ok(await official.isVisible('#receipt'));
  const shots = process.env.MINWON_SCREENSHOTS;
  if (shots) {
    mkdirSync(shots, { recursive: true });
    await official.screenshot({ path: `${shots}/intake-receipt-print.png`, fullPage: true });
    await official.pdf({ path: `${shots}/intake-receipt.pdf`, format: 'A4' });
  }
  await official.emulateMedia({ media: 'screen' });

  // The petition page shows the intake; the English receipt reads the same.
  await Promise.all([official.waitForNavigation(), official.click('a:has-text("민원 보기")')]);
  assert.match(await official.textContent('#intake-identity'), /주민등록증/);
  assert.match(await official.textContent('#receipt-no'), new RegExp(number));
  await audit(official, 'intake-petition');
  const receiptUrl = official.url().replace(/\/desk\/petitions\/(\d+)$/, '/desk/receipts/$1');
  await official.goto(`${receiptUrl}?lang=en`);
  assert.match(await official.textContent('h1#slip-h'), /Petition receipt/);
  await audit(official, 'intake-receipt-en');
  await official.setViewportSize({ width: 390, height: 844 });
  await audit(official, 'intake-receipt-en-390');
});

test('English type names, field labels, choices and periods; 나의 민원 with the supplement on top', async () => {
  const page = await (await browser.newContext()).newPage();
  await signIn(page, server.url, 'resident');

  // The catalogue and the form in English: names, kinds, periods and the extra fields.
  await page.goto(`${server.url}/petitions/new?lang=en`);
  const cards = await page.textContent('#type-list');
  assert.match(cards, /Road occupancy permit/);
  assert.match(cards, /Statutory petition/);
  assert.match(cards, /5 days/);
  assert.doesNotMatch(cards, /5일|법정민원/);
  await Promise.all([page.waitForNavigation(), page.click('#type-list a:has-text("Road occupancy permit")')]);
  assert.match(await page.textContent('label[for=x_area]'), /Area occupied/);
  const choices = await page.$$eval('#x_purpose option', (os) => os.map((o) => [o.value, o.textContent]));
  assert.deepEqual(choices.slice(1), [['공사', 'Construction'], ['행사', 'Event'], ['영업', 'Business']]);
  await page.fill('#x_area', '0');
  await page.selectOption('#x_purpose', '행사');
  await Promise.all([page.waitForNavigation(), page.click('form.mw-form button[type=submit]')]);
  assert.match(await page.textContent('#x_area-error'), /'Area occupied \(㎡\)' takes a number from 1 to 100000/);
  assert.match(await page.textContent('#title-error'), /please give a title/);
  assert.match(await page.textContent('#consent-error'), /agree/);
  assert.equal(await page.inputValue('#x_purpose'), '행사', 'the chosen option is kept');
  assert.equal(await page.inputValue('#name'), '홍길동', 'the account name is kept');
  await audit(page, 'petition-form-error-en');

  // 나의 민원: the supplement request first, then newest first; filters by state.
  await page.goto(`${server.url}/my?lang=ko`);
  assert.match(await page.textContent('#my-waiting'), /보완 요청에 답해 주세요/);
  const firstRow = page.locator('.mw-my-table tbody tr').first();
  assert.match(await firstRow.textContent(), /보완 요청/);
  const filed = await page.$$eval('.mw-my-table tbody tr:not(.mw-row-action) td:nth-child(4)', (tds) => tds.map((t) => t.textContent.trim()));
  assert.ok(filed.length > 3);
  assert.deepEqual(filed, [...filed].sort().reverse(), 'newest first');
  await audit(page, 'my-petitions');
  await Promise.all([page.waitForNavigation(), page.click('#my-tab-done')]);
  assert.equal(await page.getAttribute('#my-tab-done', 'aria-current'), 'page');
  const done = await page.$$eval('.mw-my-table tbody td:nth-child(5)', (tds) => tds.map((t) => t.textContent.trim()));
  assert.ok(done.length > 0);
  for (const d of done) assert.match(d, /^완료 \d{4}-\d{2}-\d{2}/, 'closed ones show when they were completed');
  await Promise.all([page.waitForNavigation(), page.click('#my-tab-action')]);
  assert.equal(await page.locator('.mw-my-table tbody tr').count(), 1);
  await page.goto(`${server.url}/my?state=open&lang=en`);
  const open = await page.$$eval('.mw-my-table tbody td:nth-child(5)', (tds) => tds.map((t) => t.textContent.trim()));
  for (const d of open) assert.match(d, /^(Expected \d{4}|—)/);
  await page.setViewportSize({ width: 390, height: 844 });
  await audit(page, 'my-petitions-en-390');
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 390), 'no sideways scrolling');
});
