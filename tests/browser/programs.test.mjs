// Journey through the programs pages (capability C5) in headless Chromium, each page audited
// with axe-core: the training officer creates the healing program and a session (bad input
// first: errors beside the fields, everything typed kept), officials enrol, the supervisor and
// the officer approve, the session fills, and a cancellation promotes the waitlist. Then the
// pages in English at 390 px, with no horizontal overflow.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openDemo, closeDemo, signIn, clean, audit, ownPage, inAWeek } from './harness.mjs';

let server;
let browser;
let sessionUrl;
let programUrl;

before(async () => ({ server, browser } = await openDemo()));
after(() => closeDemo(server, browser));

const dayAfter = (d) => new Date(Date.parse(d) + 24 * 3600 * 1000).toISOString().slice(0, 10);
const go = (page, sel) => Promise.all([page.waitForNavigation(), page.click(sel)]);

test('the training officer creates the healing program and a session', async () => {
  const page = await ownPage(browser);
  await signIn(page, server.url, 'training');
  await page.goto(`${server.url}/programs/office`);
  await audit(page, 'programs-office');
  await go(page, 'a[href="/programs/office/new"]');
  await clean(page);
  // Bad input: no title, hours that are not a number. Both said beside their fields; kept.
  await page.selectOption('#p-kind', 'healing');
  await page.fill('#p-recognised_minutes', '스물한');
  await page.fill('#p-description', '숲길 걷기, 핸드드립 커피, 대화법');
  await go(page, '#program-form button[type=submit]');
  assert.match(await page.textContent('#p-title-error'), /이름을 입력하세요/);
  assert.match(await page.textContent('#p-recognised_minutes-error'), /숫자/);
  assert.equal(await page.inputValue('#p-description'), '숲길 걷기, 핸드드립 커피, 대화법');
  assert.equal(await page.inputValue('#p-kind'), 'healing');
  await clean(page);
  await page.fill('#p-title', '민원공무원 힐링 프로그램 (시험)');
  await page.fill('#p-recognised_minutes', '21');
  await page.click('label[for=p-approval]');
  await page.fill('#p-mtitle-1', '숲길 걷기');
  await page.fill('#p-mstarts-1', '10:00');
  await page.fill('#p-mends-1', '12:00');
  await go(page, '#program-form button[type=submit]');
  assert.match(page.url(), /\/programs\/office\/\d+\?done=created$/);
  programUrl = page.url().replace(/\?.*$/, '');
  await audit(page, 'programs-program');

  // A session in the past, then one that ends before it starts: refused beside the days.
  await page.fill('#s-label', '시험 1기');
  await page.fill('#s-venue', '국립산림치유원');
  await page.fill('#s-capacity', '2');
  await page.fill('#s-day-1', '2020-01-06');
  await go(page, '#session-form button[type=submit]');
  assert.match(await page.textContent('#s-days-error'), /이미 지난 시각입니다/);
  assert.equal(await page.inputValue('#s-venue'), '국립산림치유원');
  await clean(page);
  const first = inAWeek();
  await page.fill('#s-day-1', first);
  await page.fill('#s-starts-1', '18:00');
  await page.fill('#s-ends-1', '09:00');
  await go(page, '#session-form button[type=submit]');
  assert.match(await page.textContent('#s-days-error'), /끝 시각이 시작 시각/);
  await page.fill('#s-starts-1', '09:00');
  await page.fill('#s-ends-1', '18:00');
  await page.fill('#s-day-2', dayAfter(first));
  await page.fill('#s-starts-2', '09:00');
  await page.fill('#s-ends-2', '17:00');
  await go(page, '#session-form button[type=submit]');
  assert.match(page.url(), /\/programs\/office\/sessions\/\d+\?done=created$/);
  sessionUrl = page.url().replace(/\?.*$/, '');
  assert.match(await page.textContent('#counts'), /정원 2/);
  await audit(page, 'programs-session');
});

test('officials enrol, approvals fill the session, a cancellation promotes the waitlist', async () => {
  const sid = sessionUrl.split('/').pop();
  const enrol = `form[action="/programs/sessions/${sid}/enrol"] button`;
  const people = {};
  for (const user of ['official.desk', 'official.build', 'official.env']) {
    const page = await ownPage(browser);
    await signIn(page, server.url, user);
    await page.goto(`${server.url}/programs`);
    await clean(page);
    await go(page, enrol);
    assert.match(await page.textContent('[role=status]'), /승인을 기다립니다/);
    assert.match(await page.textContent('#my-enrolments'), /승인 대기/);
    people[user] = page;
  }
  // Enrolling twice: the button is gone; the API answers a clear refusal.
  const twice = await people['official.desk'].evaluate(async (sid) => {
    const csrf = document.querySelector('input[name=csrf_token]').value;
    const r = await fetch(`/programs/sessions/${sid}/enrol`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `csrf_token=${csrf}` });
    return [r.status, await r.text()];
  }, sid);
  assert.match(twice[1], /이미 이 회차에 신청되어 있습니다/);

  // The supervisor of 민원봉사과 approves 김민원 (their division) on the approvals page.
  const sup = await ownPage(browser);
  await signIn(sup, server.url, 'sup.civil');
  await sup.goto(`${server.url}/programs/approvals`);
  await audit(sup, 'programs-approvals');
  await go(sup, '#requests li:has-text("김민원") button[value=yes]');
  assert.match(await sup.textContent('[role=status]'), /승인했습니다/);
  // Officials of other divisions are not on this supervisor's list.
  assert.doesNotMatch(await sup.textContent('main'), /이도로/);

  // The training officer approves the other two from the roster: one place left, so the
  // second waits.
  const officer = await ownPage(browser);
  await signIn(officer, server.url, 'training');
  await officer.goto(sessionUrl);
  await go(officer, '#roster tr:has-text("이도로") button[value=yes]');
  await go(officer, '#roster tr:has-text("박환경") button[value=yes]');
  assert.match(await officer.textContent('#roster tr:has-text("박환경")'), /대기 #1/);
  assert.match(await officer.textContent('#counts'), /확정 2/);
  await clean(officer);

  // 박환경 sees their waitlist position; 김민원 cancels; 박환경 now holds the place.
  const env = people['official.env'];
  await env.goto(`${server.url}/programs`);
  assert.match(await env.textContent('#my-enrolments'), /대기 순번 1/);
  const desk = people['official.desk'];
  await desk.goto(`${server.url}/programs`);
  await go(desk, '#my-enrolments form[action$="/cancel"] button');
  assert.match(await desk.textContent('[role=status]'), /대기자에게 자리가 넘어갔습니다/);
  await env.goto(`${server.url}/programs`);
  assert.match(await env.textContent('#my-enrolments'), /신청 확정/);
  await officer.goto(sessionUrl);
  assert.match(await officer.textContent('#roster tr:has-text("박환경")'), /신청 확정/);
  assert.match(await officer.textContent('#roster tr:has-text("김민원")'), /취소/);

  // A stranger to the office pages is refused.
  const res = await env.goto(sessionUrl);
  assert.equal(res.status(), 403);
});

test('the pages in English and Korean at 390 px, without horizontal overflow', async () => {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await ctx.newPage();
  await signIn(page, server.url, 'training');
  for (const path of ['/programs?lang=en', '/programs/office?lang=en', `${programUrl.replace(server.url, '')}?lang=en`, `${sessionUrl.replace(server.url, '')}?lang=en`, `${sessionUrl.replace(server.url, '')}?lang=ko`, '/programs?lang=ko']) {
    await page.goto(`${server.url}${path}`);
    assert.equal(await page.getAttribute('html', 'lang'), path.endsWith('ko') ? 'ko' : 'en');
    await audit(page, `programs-390${path.replace(/[^a-z0-9]+/gi, '-')}`);
    const [scroll, inner] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
    assert.ok(scroll <= inner, `${path}: ${scroll} > ${inner}`);
  }
  assert.match(await page.textContent('main'), /신청할 수 있는 프로그램/);
  await ctx.close();
});
