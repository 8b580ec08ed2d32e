// Journey of the after-hours evening at the counter (issue 18 item 6) in headless Chromium on
// the demo county (an extra evening running today), each page audited with axe-core, on a
// desktop and at 390 px, in Korean and English: the desk, a wrong code refused beside the field,
// a booked resident checked in from the name search, a walk-in ticket, calling the next number,
// the petition filed from the booking in one step, a no-show, the room's number-ticket screen
// (numbers only), and the resident's own petition from an earlier booking in "my petitions".
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openDemo, closeDemo, signedIn, auditFits } from './harness.mjs';

let server;
let browser;

before(async () => ({ server, browser } = await openDemo()));
after(() => closeDemo(server, browser));

const pageFor = (user, width) => signedIn(browser, server.url, user, width);
const post = (page, selector) => Promise.all([page.waitForNavigation(), page.click(selector)]);

test('check in, walk in, call, file the petition, no-show, the screen and the resident', async () => {
  const official = await pageFor('official.desk');
  await official.goto(`${server.url}/after-hours/desk`);
  await auditFits(official, 'evening-desk');
  const counter = await official.getAttribute('#evenings tr:has(.mw-badge) a[href$="/counter"]', 'href');
  assert.match(counter, /^\/after-hours\/evenings\/\d+\/counter$/);
  const evening = counter.split('/')[3];
  await official.goto(`${server.url}${counter}`);
  await auditFits(official, 'evening-counter');

  // A code that does not exist: said beside the field, the code kept.
  await official.fill('#checkin-code', 'ZZZZ-9999');
  await post(official, '#checkin-form button[type=submit]');
  assert.match(await official.textContent('#checkin-code-error'), /예약 번호가 없습니다/);
  assert.equal(await official.inputValue('#checkin-code'), 'ZZZZ-9999');
  await auditFits(official, 'evening-counter-bad-code');

  // 문태호 booked the last slot: found by name, checked in from the list.
  await official.fill('#booking-q', '문태');
  await post(official, '#search-form button[type=submit]');
  await post(official, '#bookings button:has-text("도착 확인")');
  assert.match(await official.textContent('#counter-notice'), /문태호님 도착 확인: 번호표 \d+번/);

  // A walk-in without a name.
  await official.selectOption('#walkin-service', { index: 1 });
  await post(official, '#walkin-form button[type=submit]');
  assert.match(await official.textContent('#counter-notice'), /현장 방문 번호표 \d+번을 발급했습니다/);
  await auditFits(official, 'evening-counter-walk-in');

  // Call the next to counter 1: a booked resident within their window comes first.
  const first = (await official.textContent('#waiting tbody tr:first-child th')).trim();
  await official.selectOption('#call-counter', '1');
  await post(official, '#call-next');
  assert.match(await official.textContent('#counter-notice'), new RegExp(`${first}번.*1번 창구로 호출했습니다`));

  // The room's screen shows that number at counter 1 and nobody's name.
  const screen = await pageFor('official.desk');
  await screen.goto(`${server.url}/after-hours/evenings/${evening}/screen`);
  await auditFits(screen, 'evening-screen');
  assert.equal((await screen.textContent('#now-number')).trim(), first);
  assert.match(await screen.textContent('#now-counter'), /1번 창구/);
  assert.equal(await screen.getAttribute('#now-call', 'aria-live'), 'assertive');
  const shown = await screen.textContent('main');
  for (const name of ['장예린', '문태호', '이현장', '한지민', '홍길동']) assert.ok(!shown.includes(name), name);

  // The petition in one step from the called booking.
  await post(official, `#file-${first}`);
  await auditFits(official, 'evening-petition');
  assert.match(await official.inputValue('#p-title'), /\[야간 민원실\]/);
  await official.fill('#p-title', '');
  await post(official, '#file-petition');
  assert.ok(await official.textContent('#p-title-error'));
  await official.fill('#p-title', '[야간 민원실] 여권 신청');
  await post(official, '#file-petition');
  assert.match(await official.textContent('#receipt-no'), /\d/);
  assert.ok((await official.textContent('#tracking-code')).trim().length > 4);
  await auditFits(official, 'evening-petition-filed');
  await official.goto(`${server.url}${counter}`);
  assert.match(await official.textContent(`#done-${first}`), /처리 완료/);

  // The next one does not come up: a no-show.
  await official.selectOption('#call-counter', '2');
  await post(official, '#call-next');
  const called = (await official.textContent('#called tbody tr:first-child th')).trim();
  await post(official, `#no-show-${called}`);
  assert.match(await official.textContent('#counter-notice'), new RegExp(`${called}번: 불참`));

  // The screen follows by itself (polling): the latest call now.
  await screen.waitForFunction(
    (n) => document.getElementById('now-number')?.textContent.trim() === n,
    called,
    { timeout: 10000 },
  );

  // English, and a phone.
  await official.goto(`${server.url}${counter}?lang=en`);
  await auditFits(official, 'evening-counter-en');
  assert.match(await official.textContent('#waiting-h'), /Waiting list/);
  const phone = await pageFor('official.desk', 390);
  await phone.goto(`${server.url}${counter}`);
  await auditFits(phone, 'evening-counter-390');
  await phone.goto(`${server.url}/after-hours/evenings/${evening}/screen?lang=en`);
  await auditFits(phone, 'evening-screen-390');
  assert.match(await phone.textContent('#now-counter'), /Counter 2/);

  // An official of another department may not work this counter.
  const other = await pageFor('official.build');
  const res = await other.goto(`${server.url}${counter}`);
  assert.equal(res.status(), 403);

  // The resident booked signed in earlier tonight: their petition is theirs in "my petitions".
  const resident = await pageFor('resident', 390);
  await resident.goto(`${server.url}/my`);
  await auditFits(resident, 'evening-resident-my');
  assert.match(await resident.textContent('main'), /\[야간 민원실\] 여권 신청/);
});
