// Tracking cannot be guessed (issue 14, item 7), in the browser: a resident files a streetlight
// report, the receipt shows the random tracking code, tracking with it shows the petition (and
// the department's contact line), wrong codes are refused with one message and then lock with
// the time to try again. The same report appears on Open311 only masked. Every page is audited
// with axe-core, at desktop width and at 390 px, in Korean and English; screenshots when asked.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openDemo, closeDemo, audit, ownPage } from './harness.mjs';

let server;
let browser;

before(async () => ({ server, browser } = await openDemo()));
after(() => closeDemo(server, browser));

const TITLE = '마을회관 앞 보안등 고장';

test('file → receipt shows the tracking code → track with it → wrong codes lock', async () => {
  const resident = await ownPage(browser);

  // Choose the published streetlight type by words and file it.
  await resident.goto(`${server.url}/petitions/new`);
  await resident.fill('#type-q', '가로등');
  await resident.press('#type-q', 'Enter');
  await resident.waitForSelector('#type-list a:has-text("가로등")');
  await Promise.all([resident.waitForNavigation(), resident.click('#type-list a:has-text("가로등")')]);
  await resident.fill('#title', TITLE);
  await resident.fill('#body', '마을회관 앞 보안등이 사흘째 꺼져 있습니다. 이웃 010-3131-4242 님도 봤습니다.');
  await resident.fill('#location', '예시군 석봉로 181 마을회관 앞');
  await resident.fill('#name', '한주민');
  await resident.fill('#phone', '010-2468-1357');
  await resident.click('label[for=consent]');
  await Promise.all([resident.waitForNavigation(), resident.click('form.mw-form button[type=submit]')]);
  assert.match(await resident.textContent('h1'), /신청되었습니다/);
  const number = (await resident.textContent('#receipt-number')).trim();
  const code = (await resident.textContent('#tracking-code')).trim();
  assert.match(code, /^[A-HJKMNP-Z2-9]{4}-[A-HJKMNP-Z2-9]{4}-[A-HJKMNP-Z2-9]{4}$/);
  assert.match(await resident.textContent('#tracking-code-help'), /한 번만/);
  await audit(resident, 'privacy-receipt');
  await resident.setViewportSize({ width: 390, height: 844 });
  await audit(resident, 'privacy-receipt-390');
  await resident.setViewportSize({ width: 1280, height: 900 });

  // Track with the code (typed in lower case): the petition and the department's contact.
  await resident.goto(`${server.url}/track`);
  await audit(resident, 'privacy-track-form');
  await resident.fill('#number', number);
  await resident.fill('#pin', code.toLowerCase());
  await Promise.all([resident.waitForNavigation(), resident.click('form.mw-form button[type=submit]')]);
  assert.equal((await resident.textContent('h1')).trim(), TITLE);
  assert.match(await resident.textContent('#contact'), /^\S+ 031-580-\d{4}$/);
  await audit(resident, 'privacy-tracked');

  // In English the handler line reads in English around the department's stored name.
  await resident.goto(`${server.url}/track?lang=en`);
  await resident.fill('#number', number);
  await resident.fill('#pin', code);
  await Promise.all([resident.waitForNavigation(), resident.click('form.mw-form button[type=submit]')]);
  assert.equal((await resident.textContent('dt:has(+ #contact)')).trim(), 'Handled by');
  assert.match(await resident.textContent('#contact'), /^\S+ \(department\), phone 031-580-\d{4}$/);
  await audit(resident, 'privacy-tracked-en');
  await resident.setViewportSize({ width: 390, height: 844 });
  await audit(resident, 'privacy-tracked-en-390');
  await resident.setViewportSize({ width: 1280, height: 900 });
  await resident.goto(`${server.url}/track?lang=ko`);

  // Another person guesses from the same address (a fresh browser, nothing shared but the IP).
  const guesser = await ownPage(browser);
  for (let i = 0; i < 5; i += 1) {
    await guesser.goto(`${server.url}/track${i === 2 ? '?lang=en' : ''}`);
    await guesser.fill('#number', number);
    await guesser.fill('#pin', `ABCD-EFGH-JK${'MNPQR'[i]}${'STUVW'[i]}`);
    const [res] = await Promise.all([guesser.waitForNavigation(), guesser.click('form.mw-form button[type=submit]')]);
    assert.equal(res.status(), 422);
    const alert = await guesser.textContent('#track-error');
    // Each page shows the half of the message in its own language.
    if (i === 2) {
      assert.match(alert, /the number or the tracking code does not match/);
    } else {
      assert.match(alert, /번호 또는 조회 코드가 맞지 않습니다/);
    }
    assert.equal(await guesser.inputValue('#number'), number, 'the number is kept');
    assert.equal(await guesser.getAttribute('#pin', 'aria-invalid'), 'true');
    if (i === 0) await audit(guesser, 'privacy-track-wrong');
    if (i === 2) {
      await audit(guesser, 'privacy-track-wrong-en');
      await guesser.goto(`${server.url}/track?lang=ko`);
    }
  }
  // The lock: even the right code is refused now, with the time to try again.
  await guesser.goto(`${server.url}/track`);
  await guesser.fill('#number', number);
  await guesser.fill('#pin', code);
  const [locked] = await Promise.all([guesser.waitForNavigation(), guesser.click('form.mw-form button[type=submit]')]);
  assert.equal(locked.status(), 429);
  const lockText = await guesser.textContent('#track-error');
  assert.match(lockText, /\d{4}-\d{2}-\d{2} \d{2}:\d{2} 이후에 다시 시도해 주세요/);
  assert.doesNotMatch(await guesser.textContent('main'), new RegExp(TITLE));
  await audit(guesser, 'privacy-track-locked');
  await guesser.setViewportSize({ width: 390, height: 844 });
  await audit(guesser, 'privacy-track-locked-390');
  await guesser.goto(`${server.url}/track?lang=en`);
  await guesser.fill('#number', number);
  await guesser.fill('#pin', code);
  await Promise.all([guesser.waitForNavigation(), guesser.click('form.mw-form button[type=submit]')]);
  assert.match(await guesser.textContent('#track-error'), /too many failed look-ups; try again after/);
  await audit(guesser, 'privacy-track-locked-en-390');

  // What the public sees on Open311: the report, masked; the reporter's details never.
  const open311 = await (await fetch(`${server.url}/open311/v2/requests.json`)).text();
  assert.match(open311, /보안등이 사흘째 꺼져 있습니다/);
  assert.doesNotMatch(open311, /한주민|2468-1357|3131-4242|181 마을회관/);
  assert.match(open311, /010-\*\*\*\*-4242/);
  assert.match(open311, /예시군 석봉로 \*\*\*/);
});
