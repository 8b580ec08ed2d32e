// Journey through the wellbeing pages (capability C4) in headless Chromium, each page audited
// with axe-core: consent, one instrument per page, the crisis gate, results, sharing, the plan,
// the counsellor's inbox and the group report; a supervisor is refused the result.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openDemo, closeDemo, signIn, clean } from './harness.mjs';

let server;
let browser;

before(async () => ({ server, browser } = await openDemo()));
after(() => closeDemo(server, browser));

test('an official takes the check, meets the crisis gate, shares with a counsellor', async () => {
  const page = await browser.newPage();
  await signIn(page, server.url, 'official.desk');
  await page.goto(`${server.url}/wellbeing`);
  await clean(page);
  await page.goto(`${server.url}/wellbeing/consent`);
  await clean(page);
  // KRDS draws the box on the label; people click the label, so does the test.
  await page.click('label[for=agree]');
  await Promise.all([page.waitForNavigation(), page.click('form[action="/wellbeing/consent"] button')]);
  await Promise.all([page.waitForNavigation(), page.click('form[action="/wellbeing/checks"] button')]);
  await clean(page);
  for (let step = 0; step < 4; step++) {
    const items = await page.$$eval('fieldset.item', (fs) =>
      fs.map((f) => [f.querySelector('input').name, f.querySelector('input').id]));
    for (const [name, id] of items) {
      await page.click(`label[for="${step === 0 && name === 'q9' ? 'q9-1' : id}"]`);
    }
    await Promise.all([page.waitForNavigation(), page.click('form[action$="/answers"] button')]);
    if (step === 0) {
      // PHQ-9 item 9 answered 1: the crisis lines at once.
      const alert = await page.textContent('[role=alert]:not(#mw-live-alerts)');
      for (const line of ['109', '1577-0199', '112', '119']) assert.match(alert, new RegExp(line));
      await clean(page);
      await Promise.all([page.waitForNavigation(), page.click('main a[href^="/wellbeing/checks/"]')]);
    }
  }
  assert.match(await page.textContent('main'), /진단이 아닙니다/);
  await clean(page);
  await page.click('label[for=purpose-counselling]');
  await Promise.all([page.waitForNavigation(), page.click('form[action$="/share"] button')]);
  await clean(page);
  const result = page.url();

  await page.goto(`${server.url}/wellbeing/plan`);
  await clean(page);
  await page.fill('#goals', '잠 7시간');
  await page.fill('#actions', '점심 산책');
  await Promise.all([page.waitForNavigation(), page.click('form[action="/wellbeing/plan"] button')]);
  await clean(page);

  const counsellor = await browser.newPage();
  await signIn(counsellor, server.url, 'counsellor');
  await counsellor.goto(`${server.url}/wellbeing/counsellor`);
  await clean(counsellor);
  const res = await counsellor.goto(result);
  assert.equal(res.status(), 200);
  await clean(counsellor);
  await counsellor.goto(`${server.url}/wellbeing/report`);
  await clean(counsellor);

  const supervisor = await browser.newPage();
  await signIn(supervisor, server.url, 'sup.civil');
  const refused = await supervisor.goto(result);
  assert.equal(refused.status(), 403);
  await clean(supervisor);
});

test('the pages follow the language switch; deleting asks first, at phone width too', async () => {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await ctx.newPage();
  await signIn(page, server.url, 'official.build');
  await page.goto(`${server.url}/wellbeing?lang=en`);
  await clean(page);
  // Every heading, sentence, label, button and link in English (names of people stay as they are).
  const hub = await page.$$eval('main h1, main h2, main p, main label, main button, main a, main legend',
    (els) => els.map((e) => e.textContent).join('\n'));
  assert.match(hub, /Only you see your results/);
  assert.doesNotMatch(hub, /[가-힣]{2,}/, 'no Korean text on the English hub');
  await page.goto(`${server.url}/wellbeing/consent`);
  await page.click('label[for=agree]');
  await Promise.all([page.waitForNavigation(), page.click('form[action="/wellbeing/consent"] button')]);
  await Promise.all([page.waitForNavigation(), page.click('form[action="/wellbeing/checks"] button')]);
  // The instrument in its English wording: items, options and the time frame.
  const first = await page.textContent('main');
  assert.match(first, /Over the last 2 weeks/);
  assert.match(first, /Little interest or pleasure in doing things/);
  assert.match(first, /Nearly every day/);
  await clean(page);
  for (let step = 0; step < 4; step++) {
    const ids = await page.$$eval('fieldset.item', (fs) => fs.map((f) => f.querySelector('input').id));
    for (const id of ids) await page.click(`label[for="${id}"]`);
    await Promise.all([page.waitForNavigation(), page.click('form[action$="/answers"] button')]);
  }
  const result = page.url();
  assert.match(await page.textContent('main'), /not a medical diagnosis/);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the result page fits 390 px (overflow ${overflow})`);
  await clean(page);

  // One result: a link to a question, a refusal without the tick, then the deletion.
  await Promise.all([page.waitForNavigation(), page.click('#delete-link')]);
  assert.match(await page.textContent('main'), /cannot be restored/);
  await clean(page);
  await page.$eval('#confirm', (el) => el.removeAttribute('required'));
  await Promise.all([page.waitForNavigation(), page.click('#confirm-delete')]);
  assert.match(await page.textContent('#confirm-error'), /Tick the box/);
  assert.equal((await page.goto(result)).status(), 200, 'nothing deleted without the tick');
  await page.goto(`${result}/delete`);
  await page.click('label[for=confirm]');
  await Promise.all([page.waitForNavigation(), page.click('#confirm-delete')]);
  assert.match(await page.textContent('#deleted-notice'), /The result is deleted/);
  assert.equal((await page.goto(result)).status(), 404);

  // Everything: the word must be typed; what was typed stays after a refusal.
  await page.goto(`${server.url}/wellbeing?lang=ko`);
  await Promise.all([page.waitForNavigation(), page.click('#delete-all-link')]);
  await clean(page);
  await page.fill('#confirm-word', '지워');
  await page.$eval('#confirm-word', (el) => el.removeAttribute('required'));
  await Promise.all([page.waitForNavigation(), page.click('#confirm-delete')]);
  assert.match(await page.textContent('#confirm-error'), /‘삭제’/);
  assert.equal(await page.inputValue('#confirm-word'), '지워');
  await clean(page);
  await page.fill('#confirm-word', '삭제');
  await Promise.all([page.waitForNavigation(), page.click('#confirm-delete')]);
  assert.match(await page.textContent('#deleted-notice'), /모든 마음건강 기록을 삭제했습니다/);
  await clean(page);
  await ctx.close();
});
