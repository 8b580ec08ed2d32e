// Journey from attendance to recognised hours (issue 17, items 4–7 and 11) in headless
// Chromium on the demo county, each page audited with axe-core, on a desktop and at 390 px, in
// Korean and English: check-in by the room's rotating code, a department's broadcast headcount,
// closing a finished session, the certificate verified publicly, feedback reaching the organiser
// only in aggregate, the learning record and the team roll-up.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openDemo, closeDemo, signedIn, auditFits } from './harness.mjs';

let server;
let browser;

before(async () => ({ server, browser } = await openDemo()));
after(() => closeDemo(server, browser));

const pageFor = (user, width) => signedIn(browser, server.url, user, width);

const check = auditFits;

/** The href of the link inside the list item that names `title`. */
async function linkIn(page, list, title, href) {
  return page.$eval(`${list} li:has-text("${title}") a[href$="${href}"]`, (a) => a.getAttribute('href'));
}

test('check in by the room code, record a headcount, close, verify, feedback, record and roll-up', async () => {
  // The organiser opens today's integrity lecture's room screen from their record page.
  const organiser = await pageFor('training');
  await organiser.goto(`${server.url}/programs/learning`);
  await check(organiser, 'learning-record-organiser');
  const room = await linkIn(organiser, '#run-sessions', '청렴 교육', '/room');
  await organiser.goto(`${server.url}${room}`);
  await check(organiser, 'learning-room');
  const code = (await organiser.textContent('#room-code')).trim();
  assert.match(code, /^\d{6}$/);
  assert.ok(await organiser.$('.mw-room-qr svg'), 'the QR image');
  // Reopening the screen keeps working (the code may have turned; it is still six digits).
  await organiser.reload();
  assert.match((await organiser.textContent('#room-code')).trim(), /^\d{6}$/);

  // The counter official, on a phone: a wrong code is refused next to the field, the right one
  // checks them in.
  const official = await pageFor('official.desk', 390);
  await official.goto(`${server.url}/programs/learning`);
  await check(official, 'learning-record-390');
  const checkin = await linkIn(official, '#my-sessions', '청렴 교육', '/checkin');
  await official.goto(`${server.url}${checkin}`);
  await check(official, 'learning-checkin-390');
  await official.fill('#code', '12345');
  await Promise.all([official.waitForNavigation(), official.click('#checkin-submit')]);
  assert.match(await official.textContent('#code-error'), /숫자 6자리/);
  assert.equal(await official.inputValue('#code'), '12345');
  await check(official, 'learning-checkin-error-390');
  const fresh = (await organiser.reload(), (await organiser.textContent('#room-code')).trim());
  await official.fill('#code', fresh);
  await Promise.all([official.waitForNavigation(), official.click('#checkin-submit')]);
  assert.match(await official.textContent('#checkin-done'), /출석했습니다/);
  await check(official, 'learning-checkin-done-390');
  // Opening the QR's address again says they are already checked in.
  await official.goto(`${server.url}${checkin}?code=${fresh}&lang=en`);
  await Promise.all([official.waitForNavigation(), official.click('#checkin-submit')]);
  const again = await official.textContent('main');
  assert.ok(/already checked in|code has expired/.test(again), again);

  // The same official records their department's broadcast audience (too many names first).
  await official.goto(`${server.url}${checkin.replace('/checkin', '/audience')}?lang=ko`);
  await check(official, 'learning-audience-390');
  await official.fill('#au-count', '1');
  await official.fill('#au-names', '김철수\n이영희');
  await Promise.all([official.waitForNavigation(), official.click('#audience-submit')]);
  assert.match(await official.textContent('#au-error'), /이름이 시청 인원보다 많습니다/);
  assert.equal(await official.inputValue('#au-count'), '1');
  await official.fill('#au-count', '12');
  await Promise.all([official.waitForNavigation(), official.click('#audience-submit')]);
  assert.match(await official.textContent('#audience-notice'), /기록했습니다/);
  assert.match(await official.textContent('#audience-days'), /12/);

  // The organiser closes the onboarding practice that is over: completion and certificates.
  await organiser.goto(`${server.url}/programs/learning`);
  const sheet = await linkIn(organiser, '#run-sessions', '신규 공무원 AI 민원 실습', '/attendance');
  await organiser.goto(`${server.url}${sheet}`);
  await check(organiser, 'learning-attendance');
  await Promise.all([organiser.waitForNavigation(), organiser.click('#close-session')]);
  assert.match(await organiser.textContent('#attendance-notice'), /명 중 4명이 이수/);
  await check(organiser, 'learning-attendance-closed');
  await organiser.goto(`${server.url}${sheet.replace('/attendance', '/sheet')}`);
  await check(organiser, 'learning-sheet');
  assert.equal(await organiser.$$eval('.mw-sheet-day', (d) => d.length), 1);

  // The official's record now lists the onboarding certificate; it verifies for anyone.
  await official.goto(`${server.url}/programs/learning`);
  const cert = await official.$eval('#certificates li:has-text("신규 공무원 AI 민원 실습") a', (a) => a.getAttribute('href'));
  await official.goto(`${server.url}${cert}`);
  await check(official, 'learning-certificate-390');
  const verification = (await official.textContent('#cert-code')).trim();
  const anyone = await (await browser.newContext({ viewport: { width: 390, height: 900 } })).newPage();
  await anyone.goto(`${server.url}/verify/certificate?code=${encodeURIComponent(verification.toLowerCase())}`);
  await check(anyone, 'learning-verify-390');
  assert.equal((await anyone.textContent('#verified-name')).trim(), '김*원');
  const shown = await anyone.textContent('main');
  assert.ok(!shown.includes('김민원') && !shown.includes('민원팀'), 'nothing but the masked name');
  await anyone.goto(`${server.url}/verify/certificate?lang=en&code=AAAA-BBBB-CCCC-DDDD`);
  assert.match(await anyone.textContent('#verify-error'), /No certificate has that code/);
  await check(anyone, 'learning-verify-unknown-en-390');

  // Feedback: the organiser sees only the count with four answers; the official's answer is the
  // fifth, and the averages appear.
  await organiser.goto(`${server.url}/programs/learning`);
  const report = await linkIn(organiser, '#run-sessions', '민원 응대 역량 강화 교육', '/feedback/report');
  await organiser.goto(`${server.url}${report}`);
  assert.ok(await organiser.$('#feedback-withheld'), 'withheld below five answers');
  await check(organiser, 'learning-feedback-withheld');
  await official.goto(`${server.url}/programs/learning`);
  const survey = await linkIn(official, '#my-sessions', '민원 응대 역량 강화 교육', '/feedback');
  await official.goto(`${server.url}${survey}`);
  await check(official, 'learning-feedback-390');
  // Submitting without the scales: the form comes back with what was typed.
  await official.fill('#q4', '실습이 많아 좋았습니다');
  await Promise.all([official.waitForNavigation(), official.click('#feedback-submit')]);
  assert.match(await official.textContent('#feedback-error'), /1번 문항/);
  assert.equal(await official.inputValue('#q4'), '실습이 많아 좋았습니다');
  // KRDS draws the radio on the label; people tap the label, so does the test.
  for (const q of ['q1', 'q2', 'q3']) await official.click(`label[for=${q}-5]`);
  await Promise.all([official.waitForNavigation(), official.click('#feedback-submit')]);
  assert.ok(await official.$('#feedback-thanks'));
  await official.goto(`${server.url}${survey}`);
  assert.ok(await official.$('#feedback-answered'), 'answered once');
  await organiser.goto(`${server.url}${report}?lang=en`);
  assert.match(await organiser.textContent('#feedback-count'), /5/);
  assert.ok(!(await organiser.textContent('main')).includes('김민원'), 'no names in the report');
  await check(organiser, 'learning-feedback-report-en');

  // The learning record in English, and the division roll-up for the supervisor.
  await official.goto(`${server.url}/programs/learning?lang=en`);
  assert.match(await official.textContent('#tile-total'), /h/);
  await check(official, 'learning-record-en-390');
  const sup = await pageFor('sup.civil', 390);
  await sup.goto(`${server.url}/programs/learning/team`);
  await check(sup, 'learning-team-390');
  assert.match(await sup.textContent('#team-table'), /김민원/);
  // A colleague cannot open someone else's record.
  const colleague = await pageFor('official.build');
  const href = await sup.$eval('#team-table a', (a) => a.getAttribute('href'));
  const res = await colleague.goto(`${server.url}${href}`);
  assert.equal(res.status(), 403);
  // The training officer's roll-up, with the export links.
  await organiser.goto(`${server.url}/programs/learning/team?lang=ko`);
  await check(organiser, 'learning-team');
  assert.ok(await organiser.$('a[href*="/programs/learning/export?format=xlsx"]'));
});

test('the organiser writes the survey questions, until somebody answers', async () => {
  const organiser = await pageFor('training');
  await organiser.goto(`${server.url}/programs/office`);
  await Promise.all([organiser.waitForNavigation(), organiser.click('a:has-text("간부 워크숍: 민원 서비스 개선")')]);
  await Promise.all([organiser.waitForNavigation(), organiser.click('#program-links a[href$="/feedback/questions"]')]);
  await check(organiser, 'learning-survey');
  // The defaults to start from, then a question in English only: refused next to it, all kept.
  assert.equal(await organiser.inputValue('#sq1-ko'), '과정 내용에 전반적으로 만족하십니까?');
  await organiser.fill('#sq5-en', 'Which topic should the next workshop take up?');
  await organiser.selectOption('#sq5-kind', 'text');
  await Promise.all([organiser.waitForNavigation(), organiser.click('#survey-save')]);
  assert.match(await organiser.textContent('#sq5-error'), /5번 문항의 한국어 문장/);
  assert.equal(await organiser.inputValue('#sq5-en'), 'Which topic should the next workshop take up?');
  assert.equal(await organiser.inputValue('#sq5-kind'), 'text');
  await check(organiser, 'learning-survey-error');
  // Written in Korean too, and the instructor question removed by emptying it.
  await organiser.fill('#sq5-ko', '다음 워크숍에서 다룰 주제는 무엇이 좋겠습니까?');
  await organiser.fill('#sq3-ko', '');
  await organiser.fill('#sq3-en', '');
  await Promise.all([organiser.waitForNavigation(), organiser.click('#survey-save')]);
  assert.ok(await organiser.$('#survey-saved'));
  assert.equal(await organiser.inputValue('#sq4-ko'), '다음 워크숍에서 다룰 주제는 무엇이 좋겠습니까?');
  assert.equal(await organiser.inputValue('#sq3-kind'), 'text');
  // On a phone, in English.
  const phone = await pageFor('training', 390);
  await phone.goto(`${organiser.url()}?lang=en`);
  assert.equal(await phone.inputValue('#sq4-en'), 'Which topic should the next workshop take up?');
  await check(phone, 'learning-survey-en-390');
  // A survey somebody answered cannot change.
  await organiser.goto(`${server.url}/programs/office`);
  await Promise.all([organiser.waitForNavigation(), organiser.click('a:has-text("민원 응대 역량 강화 교육")')]);
  await Promise.all([organiser.waitForNavigation(), organiser.click('#program-links a[href$="/feedback/questions"]')]);
  assert.ok(await organiser.$('#survey-locked'));
  assert.equal(await organiser.$('#survey-save'), null);
  await check(organiser, 'learning-survey-locked');
});
