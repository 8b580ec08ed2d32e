// The administrator sets the office up in the browser — a department, an account in it, a
// statutory petition type with an extra field and an answer template, the office hours — and
// the office works with it: a resident files the new type (the extra field is on the form),
// its new official asks for a supplement, the resident answers with an attachment, the official
// sees the file. Then the queue's paging. Every page audited with axe-core.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openDemo, closeDemo, audit, inAWeek, signIn, submit, ownPage } from './harness.mjs';

let server;
let browser;

before(async () => ({ server, browser } = await openDemo()));
after(() => closeDemo(server, browser));

test('administrator sets up a department, an account, a type and office hours; the office uses them', async () => {
  const admin = await ownPage(browser);
  await signIn(admin, server.url, 'admin');
  await admin.goto(`${server.url}/admin`);
  await audit(admin, 'admin-start');

  // A department: a bad code comes back explained with what was typed.
  await Promise.all([admin.waitForNavigation(), admin.click('a[href="/admin/departments/new"]')]);
  await audit(admin, 'admin-department-new');
  await admin.fill('#code', 'Urban Renewal');
  await admin.fill('#name', '도시재생과');
  await admin.fill('#name_en', 'Urban Renewal');
  await admin.selectOption('#parent_id', { label: '예시군청' });
  await submit(admin, 'form.mw-form');
  assert.match(await admin.textContent('[role=alert]:not(#mw-live-alerts)'), /부서 코드는 영문 소문자/);
  assert.equal(await admin.inputValue('#name'), '도시재생과');
  await admin.fill('#code', 'urban');
  await submit(admin, 'form.mw-form');
  assert.match(await admin.textContent('[role=status]'), /저장했습니다/);
  assert.match(await admin.textContent('h1'), /도시재생과/);
  await audit(admin, 'admin-department');

  // An account in it.
  await admin.goto(`${server.url}/admin/accounts/new`);
  await audit(admin, 'admin-account-new');
  await admin.fill('#username', 'official.urban');
  await admin.fill('#display_name', '최도시');
  await admin.selectOption('#role', 'official');
  await admin.selectOption('#department_id', { label: '도시재생과' });
  await admin.fill('#password', 'Urban-official-2026');
  await submit(admin, '#account-form');
  assert.match(await admin.textContent('[role=status]'), /저장했습니다/);
  await audit(admin, 'admin-account');

  // A statutory type with an extra field and a template; a period the calendar cannot read first.
  await admin.goto(`${server.url}/admin/types/new`);
  await audit(admin, 'admin-type-new');
  await admin.fill('#name', '옥외광고물 표시 허가');
  await admin.fill('#code', 'ad-permit');
  await admin.fill('#period', '일주일');
  await admin.selectOption('#department_id', { label: '도시재생과' });
  await admin.fill('#documents', '설치 위치도\n광고물 도안');
  await admin.fill('#f0_key', 'sign_area');
  await admin.fill('#f0_label', '광고물 면적(㎡)');
  await admin.selectOption('#f0_datatype', 'number');
  await admin.click('label[for=f0_required]');
  await admin.fill('#t0_name', '허가 안내');
  await admin.fill('#t0_text', '{name}님, 신청하신 광고물 표시를 허가합니다.\n{answer}\n{department}');
  await submit(admin, '#type-form');
  assert.match(await admin.textContent('[role=alert]:not(#mw-live-alerts)'), /7d\(7일\)/);
  assert.equal(await admin.inputValue('#f0_key'), 'sign_area', 'refilled');
  assert.equal(await admin.inputValue('#t0_name'), '허가 안내');
  await audit(admin, 'admin-type-error');
  await admin.fill('#period', '7d');
  await submit(admin, '#type-form');
  assert.match(await admin.textContent('[role=status]'), /저장했습니다/);
  assert.equal(await admin.inputValue('#f0_label'), '광고물 면적(㎡)');
  await audit(admin, 'admin-type');

  // Office hours: a lunch outside the day is refused; 08:30–17:30 is saved.
  await admin.goto(`${server.url}/admin#hours-h`);
  await admin.fill('#hours-start', '08:30');
  await admin.fill('#hours-end', '17:30');
  await admin.fill('#hours-ls', '18:00');
  await admin.fill('#hours-le', '19:00');
  await submit(admin, '#hours-form');
  assert.match(await admin.textContent('[role=alert]:not(#mw-live-alerts)'), /근무시간이 맞지 않습니다/);
  assert.equal(await admin.inputValue('#hours-ls'), '18:00');
  await admin.fill('#hours-ls', '12:00');
  await admin.fill('#hours-le', '13:00');
  await submit(admin, '#hours-form');
  assert.match(await admin.textContent('[role=status]'), /근무시간을 저장했습니다/);
  assert.equal(await admin.inputValue('#hours-end'), '17:30');

  // The English pages.
  await admin.goto(`${server.url}/admin/types/new?lang=en`);
  assert.match(await admin.textContent('h1'), /Add a statutory type/);
  await audit(admin, 'admin-type-new-en');
  await admin.goto(`${server.url}/admin`);
  await audit(admin, 'admin-en');
  await admin.goto(`${server.url}/admin?lang=ko`);

  // A resident files the new type: the extra field is on the form.
  const resident = await ownPage(browser);
  await resident.goto(`${server.url}/petitions/new?q=광고물`);
  await Promise.all([resident.waitForNavigation(), resident.click('#type-list a:has-text("옥외광고물 표시 허가")')]);
  assert.match(await resident.textContent('main'), /설치 위치도/);
  await resident.fill('#title', '가게 간판 설치');
  await resident.fill('#body', '읍내 상가 1층에 가로형 간판을 달려고 합니다.');
  await resident.fill('#x_sign_area', '3.5');
  await resident.fill('#name', '오상인');
  await resident.fill('#phone', '010-5555-4321');
  await resident.click('label[for=consent]');
  await submit(resident, 'form.mw-form');
  const number = (await resident.textContent('#receipt-number')).trim();

  // Its new official receives it and asks for a supplement.
  const official = await ownPage(browser);
  await signIn(official, server.url, 'official.urban', 'Urban-official-2026');
  await official.goto(`${server.url}/desk`);
  await Promise.all([official.waitForNavigation(), official.click('#queue a:has-text("가게 간판 설치")')]);
  assert.match(await official.textContent('main'), /3\.5/);
  await submit(official, 'form:has(input[value=receive])');
  const receiptNo = (await official.textContent('#receipt-no')).trim();
  await official.click('summary:has-text("보완 요청")');
  await official.fill('#sup-items', '간판 도안을 보내 주세요.');
  await official.fill('#sup-by', inAWeek());
  await submit(official, 'form:has(input[value=request_supplement])');
  assert.match(await official.textContent('#state'), /보완/);

  // The resident answers the request with a file.
  await resident.goto(`${server.url}/track`);
  await resident.fill('#number', receiptNo || number);
  await resident.fill('#pin', '4321');
  await submit(resident, 'form.mw-form');
  assert.match(await resident.textContent('main'), /간판 도안을 보내 주세요/);
  // The answer-by date ends at the office's new closing time.
  assert.match(await resident.textContent('.mw-action-box'), /\d{4}-\d{2}-\d{2} 17:30/);
  await resident.fill('#note', '도안을 첨부합니다.');
  await resident.setInputFiles('#supplement-files', { name: 'sign-design.txt', mimeType: 'text/plain', buffer: Buffer.from('가로 3m, 세로 1.2m 간판') });
  await audit(resident, 'track-supplement-attachment');
  await submit(resident, '#supplement-form');
  assert.match(await resident.textContent('[role=status]'), /반영되었습니다/);
  assert.match(await resident.textContent('main'), /sign-design\.txt/);

  // The official sees the file on the petition page.
  await official.reload();
  assert.match(await official.textContent('main'), /sign-design\.txt/);
  assert.match(await official.textContent('.mw-timeline'), /도안을 첨부합니다/);
  await audit(official, 'desk-petition-supplemented');
});

test('the queue pages through the reach, keeping filters and counts', async () => {
  const page = await ownPage(browser);
  await signIn(page, server.url, 'sup.civil');
  await page.goto(`${server.url}/desk?done=1`);
  const counts = await page.textContent('.mw-counts');
  assert.match(await page.textContent('#queue caption'), /1–50/);
  assert.equal(await page.$('#queue-prev'), null);
  const first = await page.$$eval('#queue tbody a', (a) => a.map((e) => e.getAttribute('href')));
  await page.focus('#queue-next');
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  assert.match(page.url(), /done=1/);
  assert.match(page.url(), /page=2/);
  assert.match(await page.textContent('#queue caption'), /51–/);
  assert.equal(await page.textContent('.mw-counts'), counts, 'counts are over the whole reach');
  const second = await page.$$eval('#queue tbody a', (a) => a.map((e) => e.getAttribute('href')));
  assert.ok(second.length > 0);
  assert.equal(first.length, 50);
  assert.ok(second.every((h) => !first.includes(h)), 'the second page has other petitions');
  assert.ok(await page.$('#queue-prev'));
  await audit(page, 'queue-page-2', false);
  await Promise.all([page.waitForNavigation(), page.click('#queue-prev')]);
  assert.match(await page.textContent('#queue caption'), /1–50/);
});
