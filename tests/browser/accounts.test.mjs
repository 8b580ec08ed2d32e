// Accounts people expect, in a real browser: an official changes their password (a wrong
// current password first); a resident signs up with the code read from DATA/sms.log (a wrong
// code first) and lands on their petitions; an official turns on two-factor sign-in with a code
// computed here like an authenticator app, and signs in with it; a person with two sessions
// signs the other one out. The office head's late petitions and the privacy officer's monthly
// review are visited too. Every page audited with axe-core, in Korean and in English.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  openDemo, closeDemo, audit, signIn, DEMO_PASSWORD, submit, ownPage,
} from './harness.mjs';

let server;
let browser;

before(async () => ({ server, browser } = await openDemo()));
after(() => closeDemo(server, browser));

/** RFC 4648 base32 to bytes. */
function base32(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const ch of text.replace(/=+$/, '').toUpperCase()) {
    const v = alphabet.indexOf(ch);
    if (v < 0) throw new Error(`not base32: ${ch}`);
    bits += v.toString(2).padStart(5, '0');
  }
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

/** The 6-digit TOTP code (RFC 6238, SHA-1, 30 s) of a base32 secret at a Unix time. */
function totp(secret, unixSeconds) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(unixSeconds / 30)));
  const mac = createHmac('sha1', base32(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const n = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(n).padStart(6, '0');
}

/** Wait for the outbox worker to write an SMS to this number; returns the 6-digit code. */
async function smsCode(number) {
  const log = join(server.data, 'sms.log');
  for (let i = 0; i < 60; i++) {
    if (existsSync(log)) {
      const line = readFileSync(log, 'utf8').split('\n').reverse().find((l) => l.split('\t')[1] === number);
      // Fields: time, number, body; the code is the body's 6-digit number.
      if (line) return line.split('\t')[2].match(/\b(\d{6})\b/)[1];
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`no SMS to ${number} in ${log}`);
}

test('an official changes their password; a wrong current one is explained next to its field', async () => {
  const page = await ownPage(browser);
  await signIn(page, server.url, 'official.env');
  await page.goto(`${server.url}/account`);
  await audit(page, 'account');
  await page.fill('#current_password', 'not-my-password-1');
  await page.fill('#new_password', 'Env-official-2027');
  await page.fill('#new_password_again', 'Env-official-2027');
  await submit(page, '#password-form');
  assert.match(await page.textContent('#current_password-err'), /지금 비밀번호가 맞지 않습니다/);
  assert.equal(await page.getAttribute('#current_password', 'aria-invalid'), 'true');
  await audit(page, 'account-password-error');
  await page.fill('#current_password', DEMO_PASSWORD);
  await page.fill('#new_password', 'Env-official-2027');
  await page.fill('#new_password_again', 'Env-official-2027');
  await submit(page, '#password-form');
  assert.match(await page.textContent('#notice'), /비밀번호를 바꾸었습니다\. 다른 로그인 0개를 끝냈습니다/);
  // The new password signs in; the old one no longer does.
  const other = await ownPage(browser);
  await signIn(other, server.url, 'official.env', DEMO_PASSWORD);
  assert.match(await other.textContent('[role=alert]:not(#mw-live-alerts)'), /아이디 또는 비밀번호가 맞지 않습니다/);
  await signIn(other, server.url, 'official.env', 'Env-official-2027');
  await other.goto(`${server.url}/account?lang=en`);
  assert.match(await other.textContent('h1'), /My account/);
  await audit(other, 'account-en');
});

test('a resident signs up with the code sent by SMS and sees their petitions', async () => {
  const page = await ownPage(browser);
  await page.goto(`${server.url}/signup`);
  await audit(page, 'signup');
  await page.fill('#username', 'jeong.haneul');
  await page.fill('#display_name', '정하늘');
  await page.fill('#contact', '02-123-4567');
  await page.fill('#password', 'Haneul-resident-1');
  await submit(page, '#signup-form');
  assert.match(await page.textContent('#contact-err'), /휴대전화 번호/);
  assert.equal(await page.inputValue('#username'), 'jeong.haneul', 'what was typed stays');
  await audit(page, 'signup-error');
  await page.fill('#contact', '010-9876-5432');
  await page.fill('#password', 'Haneul-resident-1');
  await submit(page, '#signup-form');
  assert.match(page.url(), /\/signup\/verify$/);
  assert.match(await page.textContent('#sent-to'), /010-\*\*\*\*-5432/);
  await audit(page, 'signup-verify');
  const code = await smsCode('01098765432');
  const wrong = code === '000000' ? '111111' : '000000';
  await page.fill('#code', wrong);
  await submit(page, 'form.mw-form');
  assert.match(await page.textContent('#code-err'), /인증번호가 맞지 않습니다/);
  await audit(page, 'signup-verify-error');
  await page.fill('#code', code);
  await submit(page, 'form.mw-form');
  assert.match(page.url(), /\/my$/, await page.textContent('main'));
  assert.match(await page.textContent('.mw-who'), /정하늘/);
  await audit(page, 'signup-my-petitions');
});

test('an official turns on two-factor sign-in and signs in with an app code', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, server.url, 'official.build');
  await page.goto(`${server.url}/account/totp`);
  await audit(page, 'totp-off');
  await submit(page, 'form[action="/account/totp/start"]');
  const secret = (await page.textContent('#totp-secret')).trim();
  assert.match(await page.textContent('#totp-uri'), /^otpauth:\/\/totp\/Minwon:official\.build\?/);
  await audit(page, 'totp-enrol');
  // A wrong code: explained next to the field, nothing turned on.
  await page.fill('#code', totp(secret, Date.now() / 1000 - 3600));
  await submit(page, '#confirm-form');
  assert.match(await page.textContent('#code-err'), /인증 코드가 맞지 않거나/);
  await audit(page, 'totp-enrol-error');
  // The secret is still in the app: the current code confirms.
  await page.fill('#code', totp(secret, Date.now() / 1000));
  await submit(page, '#confirm-form');
  const codes = await page.$$eval('#recovery-codes li', (lis) => lis.map((l) => l.textContent));
  assert.equal(codes.length, 10);
  await audit(page, 'totp-recovery-codes');
  await submit(page, 'form[action="/logout"]');

  // Signing in now asks for the code; a wrong one is refused, the next step's code works.
  await signIn(page, server.url, 'official.build');
  assert.match(page.url(), /\/login\/totp$/);
  await audit(page, 'login-totp');
  await page.fill('#code', '000000');
  await submit(page, 'form.mw-form');
  assert.match(await page.textContent('#code-err'), /인증 코드가 맞지 않거나/);
  await audit(page, 'login-totp-error');
  await page.fill('#code', totp(secret, Date.now() / 1000 + 30));
  await submit(page, 'form.mw-form');
  assert.match(await page.textContent('.mw-who'), /이도로/);
  await page.goto(`${server.url}/account`);
  assert.match(await page.textContent('#totp-status'), /켜짐/);
  await page.goto(`${server.url}/account/totp?lang=en`);
  assert.match(await page.textContent('#recovery-left'), /10/);
  await audit(page, 'totp-on-en');
});

test('two sessions: the list shows both and signing out the other ends it', async () => {
  const first = await (await browser.newContext({ userAgent: 'Minwon test desk PC' })).newPage();
  const second = await (await browser.newContext({ userAgent: 'Minwon test phone' })).newPage();
  await signIn(first, server.url, 'official.welfare');
  await signIn(second, server.url, 'official.welfare');
  await first.goto(`${server.url}/account`);
  const rows = await first.$$eval('#sessions tbody tr', (trs) => trs.map((t) => t.textContent));
  assert.equal(rows.length, 2);
  assert.ok(rows.some((r) => /Minwon test phone/.test(r)));
  assert.ok(rows.some((r) => /Minwon test desk PC/.test(r) && /지금 이 화면/.test(r)));
  await audit(first, 'account-sessions');
  await submit(first, 'form[action="/account/sessions/end-others"]');
  assert.match(await first.textContent('#notice'), /다른 로그인 1개를 끝냈습니다/);
  assert.equal(await first.$$eval('#sessions tbody tr', (trs) => trs.length), 1);
  await second.goto(`${server.url}/account`);
  assert.match(second.url(), /\/login(\?next=|$)/, 'the other session is signed out');
});

test('the office head sees late petitions; the privacy officer reviews the month, others are refused', async () => {
  const head = await ownPage(browser);
  await signIn(head, server.url, 'sup.civil');
  await head.goto(`${server.url}/desk/late`);
  assert.match(await head.textContent('h1'), /모든 부서의 지연 민원/);
  await audit(head, 'late-petitions');
  await head.goto(`${server.url}/desk/late?lang=en`);
  await audit(head, 'late-petitions-en');
  // Not a privacy officer: refused, and the refusal is logged.
  await head.goto(`${server.url}/privacy/review?lang=ko`);
  assert.match(await head.textContent('h1'), /권한이 없습니다/);

  const privacy = await ownPage(browser);
  await signIn(privacy, server.url, 'privacy');
  const month = new Date(Date.now() + 9 * 3600 * 1000).toISOString().slice(0, 7);
  await privacy.goto(`${server.url}/privacy/review?month=${month}`);
  assert.match(await privacy.textContent('#denied'), /denied\.audit_review\.read/);
  await audit(privacy, 'privacy-review');
  await privacy.fill('#comment', 'ok');
  await submit(privacy, '#signoff-form');
  assert.match(await privacy.textContent('#comment-err'), /점검 의견을 5~2000자로/);
  assert.equal(await privacy.inputValue('#comment'), 'ok');
  await audit(privacy, 'privacy-review-error');
  await privacy.fill('#comment', '거부 1건(한과장) 확인: 권한 밖 화면 접근, 조치 불필요');
  await submit(privacy, '#signoff-form');
  assert.match(await privacy.textContent('#notice'), /점검에 서명했습니다/);
  assert.match(await privacy.textContent('#sign-offs'), /서보안/);
  await privacy.goto(`${server.url}/privacy/review?month=${month}&lang=en`);
  await audit(privacy, 'privacy-review-en');
});
