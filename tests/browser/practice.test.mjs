// Journey through the practice desk (issue 17, item 9) in headless Chromium on the demo county,
// each page audited with axe-core, on a desktop and at 390 px, in Korean and English: the trainer
// is refused a desk on a healing session, opens one on the all-staff training, a trainee works a
// case on a phone (triage, route, screen, draft — bad input first), and the trainer sees the
// decision beside the assistant's suggestion. The demo's onboarding desk has progress already.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openDemo, closeDemo, audit, auditPhone, signedIn } from './harness.mjs';

let server;
let browser;

before(async () => ({ server, browser } = await openDemo()));
after(() => closeDemo(server, browser));

const pageFor = (user, width) => signedIn(browser, server.url, user, width);

/** The trainer's way to a program's first session page: the training office, the program. */
async function sessionOf(page, title) {
  await page.goto(`${server.url}/programs/office`);
  await Promise.all([page.waitForNavigation(), page.click(`tbody a:has-text("${title}")`)]);
  await Promise.all([page.waitForNavigation(), page.click('a[href^="/programs/office/sessions/"]')]);
  return page.url().replace(server.url, '').replace('/programs/office/sessions/', '/programs/sessions/');
}

const go = (page, selector) => Promise.all([page.waitForNavigation(), page.click(selector)]);

test('the trainer opens a desk, a trainee works a case, the trainer sees it beside the assistant', async () => {
  const trainer = await pageFor('training');

  // The onboarding desk of the demo: trainees' progress already, in both languages.
  await trainer.goto(`${server.url}/programs/practice`);
  await audit(trainer, 'practice-list');
  await go(trainer, '#practice-list a:has-text("신규 공무원 교육")');
  assert.match(await trainer.textContent('#practice-banner'), /실습.*PRACTICE/s);
  const done = await trainer.$$eval('#practice-summary tbody tr', (rows) =>
    rows.filter((r) => !r.cells[2].textContent.trim().startsWith('0 /')).length);
  assert.ok(done >= 4, `several trainees have worked cases (${done})`);
  await audit(trainer, 'practice-desk-onboarding');
  await trainer.goto(`${trainer.url()}?lang=en`);
  assert.match(await trainer.textContent('#practice-summary caption'), /Agreed/);
  await auditPhone(trainer, 'practice-desk-onboarding-en-390');
  await trainer.goto(`${server.url}/programs/practice?lang=ko`);

  // A healing session has no desk: refused beside the field, the number kept.
  const healing = await sessionOf(trainer, '힐링');
  await trainer.goto(`${server.url}${healing}/practice`);
  await trainer.fill('#practice-cases', '8');
  await go(trainer, '#practice-open');
  assert.match(await trainer.textContent('#practice-cases-error'), /신규자 교육과 교육 과정/);
  assert.equal(await trainer.inputValue('#practice-cases'), '8');
  await audit(trainer, 'practice-open-refused');

  // The all-staff training: a desk of 6 cases, from the session page's link.
  const training = await sessionOf(trainer, '적극행정 전 직원 교육');
  await go(trainer, '#practice-desk-link');
  assert.equal(trainer.url().replace(server.url, ''), `${training}/practice`);
  await trainer.fill('#practice-cases', '6');
  await go(trainer, '#practice-open');
  assert.match(await trainer.textContent('#practice-notice'), /열었습니다/);
  assert.equal(await trainer.$$eval('#practice-cases-list tbody tr', (r) => r.length), 6);
  await audit(trainer, 'practice-desk-opened');

  // A trainee (enrolled on that training) on a phone, in English.
  const trainee = await pageFor('counter01', 390);
  await trainee.goto(`${server.url}${training}/practice?lang=en`);
  assert.match(await trainee.textContent('#practice-banner'), /PRACTICE/);
  await auditPhone(trainee, 'practice-desk-trainee-en-390');
  await go(trainee, '#practice-cases-list tbody tr:first-child a');
  const casePath = trainee.url().replace(server.url, '').split('?')[0];
  const suggested = (await trainee.textContent('#routing-suggestion')).trim();
  assert.match(suggested, /\d+%/, 'the routing suggestion with its score');
  assert.ok((await trainee.textContent('#abuse-score')).trim().length > 0, 'the screening');
  assert.match(await trainee.inputValue('#pc-draft'), /\[초안 · DRAFT\][\s\S]*\{answer\}/);
  await auditPhone(trainee, 'practice-case-en-390');

  // Bad input: nothing chosen and the draft left as the assistant made it.
  await go(trainee, '#pc-submit');
  assert.match(await trainee.textContent('#pc-kind-error'), /choose the kind/);
  assert.match(await trainee.textContent('#pc-department-error'), /department/);
  assert.match(await trainee.textContent('#pc-abusive-error'), /abusive/);
  assert.match(await trainee.textContent('#pc-draft-error'), /replace the draft marks/);
  await auditPhone(trainee, 'practice-case-errors-en-390');

  // Triage, route as suggested, screen, and write the answer.
  await trainee.selectOption('#pc-kind', 'grievance');
  const department = await trainee.$eval('#pc-department', (s, words) => {
    const name = words.replace(/\s*\d+%.*$/s, '').trim();
    const o = [...s.options].find((x) => x.textContent.trim() === name);
    return o ? o.value : s.options[1].value;
  }, suggested);
  await trainee.selectOption('#pc-department', department);
  await trainee.click('label[for=pc-abusive-no]');
  await trainee.fill('#pc-draft', '말씀하신 곳을 이번 주에 점검하고 결과를 다시 알려 드리겠습니다.');
  await go(trainee, '#pc-submit');
  assert.match(await trainee.textContent('#practice-notice'), /decision is recorded/);
  assert.match(await trainee.textContent('#my-decision'), /Grievance/);
  assert.ok(await trainee.$('#next-case'), 'on to the next case');
  await auditPhone(trainee, 'practice-case-decided-en-390');

  // The trainer sees it beside the suggestion, per case and per trainee, in Korean.
  await trainer.goto(`${server.url}${casePath}?lang=ko`);
  const row = await trainer.textContent('#case-decisions tbody');
  assert.match(row, /고충민원/);
  assert.match(row, /이번 주에 점검/);
  assert.match(row, /보조\s*(일치|다름)/);
  assert.ok(await trainer.$('#case-expected'), 'the expected answer for the trainer');
  await audit(trainer, 'practice-case-trainer');
  await trainer.goto(`${server.url}${training}/practice`);
  await go(trainer, '#practice-summary tbody tr:has-text("1 / 6") a');
  assert.match(await trainer.textContent('#person-summary'), /1 \/ 6/);
  await audit(trainer, 'practice-person');
  await auditPhone(trainer, 'practice-person-390');
});
