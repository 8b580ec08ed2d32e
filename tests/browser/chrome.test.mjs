// Journeys over the page chrome (issue 16, items 1, 2, 3, 7, 18): KRDS icons and legends, the
// official-site banner, footer and privacy policy, breadcrumbs, favicon, print, the phone menu,
// no form token in any address, and each role's start page. Every page is audited at 1280 and
// 390 px by the harness (axe, overflow, our static files, console errors, tokens in addresses).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, audit, auditPhone, signIn } from './harness.mjs';

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('banner, footer with the office, privacy policy and favicon, in Korean and English', async () => {
  const page = await (await browser.newContext()).newPage();
  await page.goto(server.url);
  assert.match(await page.textContent('#krds-masthead'), /이 누리집은 대한민국 공식 전자정부 누리집입니다/);
  const footer = await page.textContent('footer');
  assert.match(footer, /예시군청/);
  assert.match(await page.textContent('#office-address'), /예시군/);
  assert.match(await page.textContent('#office-phone'), /031-580-/);
  assert.match(await page.textContent('#office-hours'), /평일 09:00–18:00/);
  // Readable type: KRDS's 10 px root no longer shrinks the footer below 14 px.
  const size = await page.$eval('footer', (f) => parseFloat(getComputedStyle(f).fontSize));
  assert.ok(size >= 14, `footer text is ${size}px`);
  const icon = await page.$eval('link[rel=icon]', (l) => l.href);
  assert.equal((await page.request.get(icon)).status(), 200);
  assert.equal((await page.request.get(`${server.url}/favicon.ico`)).status(), 200);
  await audit(page, 'chrome-home');
  await auditPhone(page, 'chrome-home-phone');

  await Promise.all([page.waitForNavigation(), page.click('footer a[href="/privacy-policy"]')]);
  assert.match(await page.textContent('h1'), /개인정보처리방침/);
  const policy = await page.textContent('main');
  for (const words of [/주민등록번호/, /접속기록/, /10년/, /개인정보 보호책임자/, /첨부파일/]) assert.match(policy, words);
  assert.match(await page.textContent('.mw-crumbs'), /홈/);
  await audit(page, 'privacy-policy');
  await auditPhone(page, 'privacy-policy-phone');

  await page.goto(`${server.url}/privacy-policy?lang=en`);
  assert.match(await page.textContent('#krds-masthead'), /official website of the Republic of Korea/);
  assert.match(await page.textContent('#office-hours'), /Weekdays 09:00–18:00/);
  assert.match(await page.textContent('#retention-petitions'), /10 years from 1 January after/);
  assert.doesNotMatch(await page.textContent('main'), /[가-힣]{4,}/, 'no Korean sentences left on the English page');
  await audit(page, 'privacy-policy-en');
  await page.close();
});

test('KRDS icons load and form sections show their headings', async () => {
  const page = await (await browser.newContext()).newPage();
  const icons = [];
  page.on('response', (r) => { if (r.url().includes('/img/')) icons.push(`${r.status()} ${new URL(r.url()).pathname}`); });
  await page.goto(`${server.url}/petitions/new`);
  await Promise.all([page.waitForNavigation(), page.click('#type-list a >> nth=0')]);
  // Fieldset headings are visible (KRDS's reset hides every legend).
  const legends = await page.$$eval('fieldset.mw-fieldset > legend', (ls) => ls.map((l) => [l.textContent.trim(), l.getBoundingClientRect().height]));
  assert.ok(legends.some(([t]) => t.includes('신청 내용')));
  assert.ok(legends.some(([t]) => t.includes('개인정보 수집·이용 동의')));
  for (const [t, h] of legends) assert.ok(h > 10, `legend "${t}" is ${h}px high`);
  // The tick of a ticked box is drawn from KRDS's icon, which loads.
  await page.click('label[for=consent]');
  const tick = await page.$eval('#consent', (c) => {
    const s = getComputedStyle(c);
    const label = document.querySelector('label[for=consent]');
    return [s.backgroundImage, ...['::before', '::after'].flatMap((p) => {
      const l = getComputedStyle(label, p);
      return [l.backgroundImage, l.maskImage, l.webkitMaskImage];
    })].join(' ');
  });
  assert.match(tick, /ico_checkbox_checked\.svg/);
  await page.waitForTimeout(200);
  assert.ok(icons.some((i) => i.startsWith('200') && i.includes('ico_checkbox_checked')), icons.join('\n'));
  assert.ok(!icons.some((i) => !i.startsWith('200')), icons.join('\n'));
  await audit(page, 'chrome-form-legends');
  await auditPhone(page, 'chrome-form-legends-phone');
  await page.close();
});

test('each role lands on their own start page, or on the page they asked for', async () => {
  for (const [user, start] of [
    ['official.desk', '/desk'],
    ['protect', '/protection'],
    ['admin', '/admin'],
    ['counsellor', '/wellbeing/counsellor'],
    ['training', '/programs/office'],
    ['resident', '/my'],
  ]) {
    const page = await (await browser.newContext()).newPage();
    await signIn(page, server.url, user);
    assert.equal(new URL(page.url()).pathname, start, user);
    const menu = await page.$$eval('nav.mw-wide a', (as) => as.map((a) => a.getAttribute('href')));
    if (user !== 'resident') assert.ok(menu.includes('/wellbeing'), `${user}: wellbeing in the staff menu`);
    for (const href of menu) {
      const res = await page.request.get(`${server.url}${href}`);
      assert.notEqual(res.status(), 403, `${user}'s menu offers ${href}`);
    }
    await audit(page, `start-${user}`);
    await page.close();
  }
  // A page that needs signing in comes back after it.
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${server.url}/desk/dashboard`);
  assert.match(page.url(), /\/login\?next=%2Fdesk%2Fdashboard$/);
  await page.fill('#username', 'sup.civil');
  await page.fill('#password', 'minwon-demo-2026');
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  assert.equal(new URL(page.url()).pathname, '/desk/dashboard');
  await page.close();
});

test('phone: the staff menu folds into a button beside the panic button; breadcrumbs; print', async () => {
  const page = await (await browser.newContext({ viewport: { width: 390, height: 844 } })).newPage();
  await signIn(page, server.url, 'official.desk');
  assert.equal(await page.isVisible('nav.mw-wide'), false);
  assert.equal(await page.isVisible('details.mw-menu > summary'), true);
  assert.equal(await page.isVisible('.mw-panic'), true);
  // The header takes at most three short rows: banner, name and buttons, the menu button.
  const header = await page.$eval('header', (h) => h.getBoundingClientRect().height);
  assert.ok(header < 160, `header is ${header}px high`);
  assert.equal(await page.isVisible('details.mw-menu a[href="/wellbeing"]'), false);
  await page.click('details.mw-menu > summary');
  assert.equal(await page.isVisible('details.mw-menu a[href="/wellbeing"]'), true);
  await audit(page, 'chrome-phone-menu-open');

  // A deep page names its way back.
  await page.goto(server.url + '/desk');
  const href = await page.$eval('table a[href^="/desk/petitions/"]', (a) => a.getAttribute('href'));
  await page.goto(server.url + href);
  const crumbs = await page.$$eval('.mw-crumbs li', (ls) => ls.map((l) => l.textContent.trim()));
  assert.equal(crumbs.length, 3);
  assert.deepEqual(crumbs.slice(0, 2), ['홈', '업무 목록']);
  assert.equal(await page.getAttribute('.mw-crumbs [aria-current=page]', 'aria-current'), 'page');
  await audit(page, 'chrome-crumbs-phone');

  // Printed, the page is its content only.
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.emulateMedia({ media: 'print' });
  for (const hidden of ['header', 'footer', '#krds-masthead', '.mw-crumbs']) {
    assert.equal(await page.isVisible(hidden), false, `${hidden} is not printed`);
  }
  assert.equal(await page.isVisible('h1'), true);
  await page.emulateMedia({ media: 'screen' });
  await page.close();
});

test('no form token in any address: filing with files keeps it in the body', async () => {
  const page = await (await browser.newContext()).newPage();
  const addresses = [];
  page.on('request', (r) => addresses.push(r.url()));
  page.on('response', (r) => { if (r.headers().location) addresses.push(r.headers().location); });
  await page.goto(`${server.url}/petitions/new`);
  await Promise.all([page.waitForNavigation(), page.click('#type-list a >> nth=0')]);
  const action = await page.getAttribute('form.mw-form[enctype="multipart/form-data"]', 'action');
  assert.doesNotMatch(action, /csrf/);
  // The token is the form's first field, so the server checks it before reading any file.
  assert.equal(await page.$eval('form.mw-form[enctype="multipart/form-data"]', (f) => f.elements[0].name), 'csrf_token');
  await page.fill('#title', '가로등이 꺼져 있습니다');
  await page.fill('#body', '시장 앞 가로등 두 개가 사흘째 꺼져 있습니다.');
  await page.fill('#name', '박주민');
  await page.fill('#phone', '010-2345-6789');
  await page.click('label[for=consent]');
  await page.setInputFiles('#files', { name: 'photo.txt', mimeType: 'text/plain', buffer: Buffer.from('사진 설명') });
  await Promise.all([page.waitForNavigation(), page.click('form.mw-form button[type=submit]')]);
  assert.match(await page.textContent('main'), /접수|신청/);
  await audit(page, 'chrome-filed');
  const leaked = addresses.filter((u) => /csrf_token=/i.test(u));
  assert.deepEqual(leaked, []);
  await page.close();
});
