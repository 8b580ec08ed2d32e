// Journey of healing programs and wellbeing (issue 17, item 8) in headless Chromium on the demo
// county, each page audited with axe-core, on a desktop and at 390 px, in Korean and English:
// the organiser switches the self-check before and after off and on again, a participant sees
// the offer on their programs page and takes the ordinary self-check (consent first), the
// organiser sees "fewer than 10" for that session, and the demo's earlier session shows the
// group's change — never a person's score.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openDemo, closeDemo, signedIn, auditFits } from './harness.mjs';

let server;
let browser;

before(async () => ({ server, browser } = await openDemo()));
after(() => closeDemo(server, browser));

const pageFor = (user, width) => signedIn(browser, server.url, user, width);

const check = auditFits;

/** The healing program's session pages, by label: { '1기': '/programs/office/sessions/1', … }. */
async function healingSessions(page) {
  await page.goto(`${server.url}/programs/office`);
  await Promise.all([page.waitForNavigation(), page.click('a:has-text("민원공무원 힐링 프로그램")')]);
  const links = await page.$$eval('a[href^="/programs/office/sessions/"]', (as) =>
    as.map((a) => [a.textContent.trim(), a.getAttribute('href')]));
  return Object.fromEntries(links.map(([t, h]) => [t.split(' ').slice(-1)[0] === '1기' && t.includes('시범') ? '시범 1기'
    : t.includes('시범 2기') ? '시범 2기' : t.split(' ').slice(-1)[0], h]));
}

test('switch before and after, take the check, see only the group', async () => {
  const organiser = await pageFor('training');
  const sessions = await healingSessions(organiser);
  assert.ok(sessions['1기'] && sessions['시범 1기'] && sessions['시범 2기'], JSON.stringify(sessions));

  // The coming session: from its page to the self-check setting; off, then on again.
  await organiser.goto(`${server.url}${sessions['1기']}`);
  await Promise.all([organiser.waitForNavigation(), organiser.click('#self-check-link')]);
  await check(organiser, 'healing-setting');
  assert.ok(await organiser.isChecked('#before-after'), 'the demo has it on');
  await organiser.click('label[for=before-after]');
  await Promise.all([organiser.waitForNavigation(), organiser.click('#self-check-form button')]);
  assert.match(await organiser.textContent('#self-check-done'), /껐습니다/);
  assert.ok(!(await organiser.isChecked('#before-after')));
  await organiser.click('label[for=before-after]');
  await Promise.all([organiser.waitForNavigation(), organiser.click('#self-check-form button')]);
  assert.match(await organiser.textContent('#self-check-done'), /켰습니다/);
  await check(organiser, 'healing-setting-on');
  const setting = organiser.url().split('?')[0];

  // A participant on a phone sees the offer; consent comes first, then the ordinary check.
  const official = await pageFor('counter01', 390);
  await official.goto(`${server.url}/programs`);
  await check(official, 'healing-offer-390');
  const offer = official.locator('#self-checks li[data-phase="pre"]', { hasText: '민원공무원 힐링 프로그램 1기' });
  assert.equal(await offer.getAttribute('data-progress'), 'new');
  await Promise.all([official.waitForNavigation(), offer.locator('button').click()]);
  assert.match(official.url(), /\/wellbeing\/consent/);
  await official.click('label[for=agree]');
  await Promise.all([official.waitForNavigation(), official.click('form[action="/wellbeing/consent"] button')]);
  await official.goto(`${server.url}/programs?lang=en`);
  await check(official, 'healing-offer-en-390');
  await Promise.all([official.waitForNavigation(),
    official.locator('#self-checks li[data-phase="pre"]', { hasText: 'Healing program for counter officials 1기' }).locator('button').click()]);
  for (let step = 0; step < 4; step++) {
    if (step === 0) await check(official, 'healing-check-390');
    const ids = await official.$$eval('fieldset.item', (fs) => fs.map((f) => f.querySelector('input').id));
    for (const id of ids) await official.click(`label[for="${id}"]`);
    await Promise.all([official.waitForNavigation(), official.click('form[action$="/answers"] button')]);
  }
  assert.match(await official.textContent('main'), /not a medical diagnosis/);
  await official.goto(`${server.url}/programs?lang=en`);
  const taken = official.locator('#self-checks li[data-phase="pre"]', { hasText: 'Healing program for counter officials 1기' });
  assert.equal(await taken.getAttribute('data-progress'), 'done');
  assert.match(await taken.textContent(), /Taken/);

  // The organiser: one check, fewer than ten pairs — nothing shown, in both languages.
  await organiser.goto(setting);
  assert.match(await organiser.textContent('#group-too-few'), /10명 미만/);
  assert.equal(await organiser.$('#group-change'), null);
  await organiser.goto(`${setting}?lang=en`);
  assert.match(await organiser.textContent('#group-too-few'), /Fewer than 10 .* not shown, to protect confidentiality/);
  assert.ok(!(await organiser.textContent('main')).includes('counter01'));

  // The demo's earlier sessions: sixteen pairs show the change; six do not.
  const phone = await pageFor('training', 390);
  await phone.goto(`${server.url}${sessions['시범 1기'].replace('/office/sessions/', '/sessions/')}/self-check?lang=en`);
  await check(phone, 'healing-change-en-390');
  const rows = await phone.$$eval('#group-change tbody tr', (trs) => trs.map((tr) => tr.textContent));
  assert.equal(rows.length, 4);
  assert.ok(rows.every((r) => /16/.test(r)), rows.join('|'));
  await organiser.goto(`${server.url}${sessions['시범 1기'].replace('/office/sessions/', '/sessions/')}/self-check?lang=ko`);
  await check(organiser, 'healing-change');
  await organiser.goto(`${server.url}${sessions['시범 2기'].replace('/office/sessions/', '/sessions/')}/self-check`);
  assert.match(await organiser.textContent('#group-too-few'), /10명 미만/);

  // Nobody else opens the setting: a supervisor is refused.
  const sup = await pageFor('sup.civil');
  const res = await sup.goto(setting);
  assert.equal(res.status(), 403);
});

test('a referral is placed privately and lands as an ordinary request', async () => {
  const organiser = await pageFor('training');
  const sessions = await healingSessions(organiser);
  const requested = async () => {
    await organiser.goto(`${server.url}${sessions['1기']}`);
    return organiser.$$eval('#roster tbody tr[data-state="requested"]', (trs) =>
      trs.map((tr) => [tr.querySelector('th').textContent.trim(), tr.querySelectorAll('td')[2].textContent.trim()]));
  };
  const before = await requested();

  const counsellor = await pageFor('counsellor', 390);
  await counsellor.goto(`${server.url}/wellbeing/counsellor`);
  await check(counsellor, 'healing-placement-390');
  const who = (await counsellor.textContent('#placements li strong')).trim();
  await Promise.all([counsellor.waitForNavigation(), counsellor.click('#placements form button')]);
  assert.match(await counsellor.textContent('#placements'), /배정함: 민원공무원 힐링 프로그램 1기/);
  await check(counsellor, 'healing-placed-390');

  // The organiser: one more request awaiting approval, like every self-enrolment, with nothing
  // that says where it came from.
  const after = await requested();
  assert.equal(after.length, before.length + 1);
  assert.ok(after.some(([name]) => name === who), `${who} in ${after}`);
  assert.ok(after.every(([, how]) => how === '본인 신청'), JSON.stringify(after));
  const roster = await organiser.textContent('#roster');
  for (const word of ['의뢰', '마음건강', '상담', '자가점검']) assert.ok(!roster.includes(word), word);
  await check(organiser, 'healing-roster');
});
