// Issue 14 in the browser: an answer goes out only as the official meant it (draft → similar
// answers beside the editor → refused while it carries the draft marker → preview → send → the
// resident reads exactly the previewed text with their real name), and approval (결재): the
// official submits, the supervisor returns with a comment, the official is told, resubmits, the
// supervisor approves, the resident reads it. Every page is audited with axe-core.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openDemo, closeDemo, audit, signIn, DEMO_PASSWORD, ownPage } from './harness.mjs';

let server;
let browser;

before(async () => ({ server, browser } = await openDemo()));
after(() => closeDemo(server, browser));

/** The demo resident (홍길동) files through the JSON API; returns the petition id. */
async function fileAsResident(typeCode, title, body) {
  const tok = await fetch(`${server.url}/api/v1/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'resident', password: DEMO_PASSWORD }),
  }).then((r) => r.json());
  const auth = { authorization: `Bearer ${tok.token}`, 'content-type': 'application/json' };
  const types = await fetch(`${server.url}/api/v1/petition-types`, { headers: auth }).then((r) => r.json());
  const type = types.find((t) => t.code === typeCode);
  assert.ok(type, `type ${typeCode}`);
  const res = await fetch(`${server.url}/api/v1/petitions`, {
    method: 'POST',
    headers: auth,
    body: JSON.stringify({ type_id: type.id, title, body, petitioner: { name: '홍길동', phone: '010-3333-4444' } }),
  });
  const p = await res.json();
  assert.equal(res.status, 201, JSON.stringify(p));
  return p.id;
}

async function receive(page, id) {
  await page.goto(`${server.url}/desk/petitions/${id}`);
  if (await page.$('form:has(input[value=receive])')) {
    await Promise.all([page.waitForNavigation(), page.click('form:has(input[value=receive]) button[type=submit]')]);
  }
}

test('draft → similar answers beside → refused with the marker → preview → send → the resident reads exactly that', async () => {
  const id = await fileAsResident('question-system', '민원서류 온라인 발급 문의 (다시)',
    '정부24에서 발급되지 않는 민원서류를 온라인으로 받을 방법이 있는지 다시 문의합니다.');
  const official = await ownPage(browser);
  await signIn(official, server.url, 'official.desk');
  await receive(official, id);

  // The draft: the template with the petitioner's real name, the draft marker and {answer}
  // in the editor; the similar answered petitions beside it, outside the editor.
  await Promise.all([official.waitForNavigation(), official.click('#draft-answer')]);
  const draft = await official.inputValue('#ans-text');
  assert.match(draft, /^\[초안 · DRAFT\]/);
  assert.match(draft, /홍길동님/);
  assert.match(draft, /\{answer\}/);
  assert.ok(await official.$('#similar-answers'), 'similar answers beside the editor');
  const similar = await official.textContent('#similar-answers');
  for (const d of await official.$$eval('#similar-answers .mw-answer-text', (els) => els.map((e) => e.textContent.trim()))) {
    assert.ok(!draft.includes(d), 'another petitioner\'s answer is not in the draft');
  }
  assert.match(similar, /참고용/);
  await audit(official, 'answers-draft');

  // Previewing the draft as it is: refused next to the field, the text kept.
  await Promise.all([official.waitForNavigation(), official.click('form:has(input[value=preview_answer]) button[type=submit]')]);
  assert.match(await official.textContent('#ans-error'), /초안 표시/);
  // A Korean page shows only the Korean half of the message.
  assert.doesNotMatch(await official.textContent('#ans-error'), /draft marker/);
  assert.equal(await official.inputValue('#ans-text'), draft.replace(/\r\n/g, '\n'));
  // The similar answers stay beside the editor while the official corrects it.
  assert.equal(await official.textContent('#similar-answers'), similar);
  await audit(official, 'answers-refused');

  // Written properly: the preview is the text the petitioner gets; send exactly that.
  const written = draft
    .replace(/^\[초안 · DRAFT\][^\n]*\n+/, '')
    .replace('{answer}', '정부24에서 발급되지 않는 서류는 가까운 읍·면사무소 무인민원발급기에서 받으실 수 있습니다.');
  await official.fill('#ans-text', written);
  await Promise.all([official.waitForNavigation(), official.click('form:has(input[value=preview_answer]) button[type=submit]')]);
  const previewed = (await official.textContent('#answer-preview'));
  assert.match(previewed, /^홍길동님/);
  assert.match(previewed, /무인민원발급기/);
  await audit(official, 'answers-preview');
  await Promise.all([official.waitForNavigation(), official.click('#send-answer')]);
  assert.match(await official.textContent('#state'), /답변완료/);

  // The resident reads exactly the previewed text, with their own name.
  const resident = await ownPage(browser);
  await signIn(resident, server.url, 'resident');
  await resident.goto(`${server.url}/my/${id}`);
  assert.equal(await resident.textContent('.mw-answer .mw-answer-text'), previewed);
  await audit(resident, 'answers-resident');
});

test('approval: submit → returned with a comment → official told → resubmit → approved → resident reads it', async () => {
  const id = await fileAsResident('fee-waiver', '경로우대 민원 수수료 감면 신청',
    '만 65세 이상으로 민원 수수료 감면을 신청합니다.');
  const official = await ownPage(browser);
  const supervisor = await ownPage(browser);
  await signIn(official, server.url, 'official.desk');
  await signIn(supervisor, server.url, 'sup.civil');
  await receive(official, id);

  // The official previews and submits for approval.
  assert.match(await official.textContent('#needs-approval'), /결재/);
  await official.fill('#ans-text', '감면 대상으로 확인되어 수수료를 감면합니다.');
  await Promise.all([official.waitForNavigation(), official.click('form:has(input[value=preview_answer]) button[type=submit]')]);
  const first = await official.textContent('#answer-preview');
  assert.match(await official.textContent('#send-answer'), /결재 올리기/);
  await Promise.all([official.waitForNavigation(), official.click('#send-answer')]);
  assert.match(await official.textContent('#approval'), /결재 대기/);
  assert.doesNotMatch(await official.textContent('#state'), /답변완료/);

  // The supervisor is told and finds it waiting on the dashboard, in either language.
  await supervisor.goto(`${server.url}/desk/dashboard`);
  assert.match(await supervisor.textContent('#awaiting-approval'), /경로우대 민원 수수료 감면 신청/);
  assert.match(await supervisor.textContent('#my-notices'), /답변 결재 요청: .*경로우대 민원 수수료 감면 신청/);
  await audit(supervisor, 'approval-dashboard', false);
  await supervisor.goto(`${server.url}/desk/dashboard?lang=en`);
  const english = await supervisor.textContent('#my-notices');
  assert.match(english, /Answer submitted for your approval: .*경로우대/);
  assert.doesNotMatch(english, /결재 요청/);
  await supervisor.goto(`${server.url}/desk/dashboard?lang=ko`);

  // … and returns it; without a comment first.
  await supervisor.goto(`${server.url}/desk`);
  assert.match(await supervisor.textContent('#awaiting-approval'), /경로우대 민원 수수료 감면 신청/);
  await audit(supervisor, 'approval-queue', false);
  await Promise.all([supervisor.waitForNavigation(), supervisor.click('#awaiting-approval a:has-text("경로우대")')]);
  assert.equal(await supervisor.textContent('#approval-held'), first);
  await audit(supervisor, 'approval-pending');
  await Promise.all([supervisor.waitForNavigation(), supervisor.click('#approval button[value=return]')]);
  assert.match(await supervisor.textContent('#approval-error'), /의견/);
  await audit(supervisor, 'approval-return-refused');
  await supervisor.fill('#approval-comment', '감면 근거 조례 조항을 적어 주세요.');
  await Promise.all([supervisor.waitForNavigation(), supervisor.click('#approval button[value=return]')]);
  assert.ok(!(await supervisor.$('#approval-held')), 'no longer waiting');

  // The official is told on the queue; the petition shows the comment.
  await official.goto(`${server.url}/desk`);
  assert.match(await official.textContent('#my-notices'), /감면 근거 조례 조항을 적어 주세요/);
  await audit(official, 'approval-notice', false);
  await Promise.all([official.waitForNavigation(), official.click('#my-notices a:has-text("감면 근거")')]);
  assert.match(await official.textContent('#approval-returned'), /감면 근거 조례 조항을 적어 주세요/);
  await official.fill('#ans-text', '감면 대상으로 확인되어 수수료를 감면합니다. (근거: 예시군 민원 수수료 조례 제5조)');
  await Promise.all([official.waitForNavigation(), official.click('form:has(input[value=preview_answer]) button[type=submit]')]);
  const revised = await official.textContent('#answer-preview');
  await Promise.all([official.waitForNavigation(), official.click('#send-answer')]);

  // The supervisor approves: the answer takes effect.
  await supervisor.goto(`${server.url}/desk/petitions/${id}`);
  assert.equal(await supervisor.textContent('#approval-held'), revised);
  await Promise.all([supervisor.waitForNavigation(), supervisor.click('#approval button[value=approve]')]);
  assert.match(await supervisor.textContent('#state'), /답변완료/);
  assert.match(await supervisor.textContent('.mw-timeline'), /결재 반려.*감면 근거/s);
  await audit(supervisor, 'approval-approved');

  const resident = await ownPage(browser);
  await signIn(resident, server.url, 'resident');
  await resident.goto(`${server.url}/my/${id}`);
  assert.equal(await resident.textContent('.mw-answer .mw-answer-text'), revised);
  assert.doesNotMatch(await resident.textContent('main'), /결재|반려/);
});

test('the extension cap and the approval pages in English', async () => {
  const page = await ownPage(browser);
  await signIn(page, server.url, 'official.desk');
  const id = await fileAsResident('question-system', 'Extension cap check', '연장 상한 확인용 민원입니다.');
  await receive(page, id);
  await page.goto(`${server.url}/desk/petitions/${id}?lang=en`);
  await page.click('summary:has-text("Extend the period")');
  // A number of days, at most the original 7 (Decree art. 21), said beside the field.
  assert.match(await page.textContent('#ext-help'), /up to 7 days/);
  assert.equal(await page.getAttribute('#ext-amount', 'max'), '7');
  // Past the browser's own check (as a script could), the server refuses next to the field.
  await page.$eval('#ext-amount', (e) => e.removeAttribute('max'));
  await page.fill('#ext-amount', '8');
  await page.fill('#ext-reason', 'waiting for another agency');
  await Promise.all([page.waitForNavigation(), page.click('form:has(input[value=extend]) button[type=submit]:not([name=preview])')]);
  assert.match(await page.textContent('#ext-error'), /may not exceed the original period/);
  assert.equal(await page.inputValue('#ext-amount'), '8');
  await audit(page, 'extension-cap-en');
  await page.goto(`${server.url}/?lang=ko`);
});

/** The demo resident files through the JSON API; returns { id, code } (the tracking code). */
async function fileTracked(typeCode, title, body) {
  const tok = await fetch(`${server.url}/api/v1/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'resident', password: DEMO_PASSWORD }),
  }).then((r) => r.json());
  const auth = { authorization: `Bearer ${tok.token}`, 'content-type': 'application/json' };
  const types = await fetch(`${server.url}/api/v1/petition-types`, { headers: auth }).then((r) => r.json());
  const type = types.find((t) => t.code === typeCode);
  const res = await fetch(`${server.url}/api/v1/petitions`, {
    method: 'POST',
    headers: auth,
    body: JSON.stringify({ type_id: type.id, title, body, petitioner: { name: '홍길동', phone: '010-3333-4444' } }),
  });
  const p = await res.json();
  assert.equal(res.status, 201, JSON.stringify(p));
  return { id: p.id, code: p.tracking_code };
}

const PDF = Buffer.from('%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n');

test('choosing people and periods; codes in words; a result document only the petitioner downloads', async () => {
  const { id, code } = await fileTracked('question-system', '민원서류 발급 결과 문서', '발급된 증명서를 받고 싶습니다.');
  const ctx = await browser.newContext();
  const official = await ctx.newPage();
  await signIn(official, server.url, 'official.desk');
  await official.goto(`${server.url}/desk/petitions/${id}`);
  // Before receipt the result form is closed with the reason.
  await official.click('summary:has-text("결과 문서 첨부")');
  assert.match(await official.textContent('#result-blocked'), /접수 뒤/);
  assert.ok(await official.$('#result-form fieldset[disabled]'));
  await receive(official, id);

  // The assignee from the department's staff, by name; the channel and screening in words.
  const options = await official.$$eval('#assign-to option', (os) => os.map((o) => o.textContent));
  assert.ok(options.some((o) => /김민원/.test(o)), options.join(' | '));
  assert.equal(await official.textContent('#channel'), '인터넷');
  assert.doesNotMatch(await official.textContent('#abuse-score'), /^\s*0\.\d\d/);
  await official.click('summary:has-text("배정")');
  const kim = await official.$eval('#assign-to', (s) => [...s.options].find((o) => /김민원/.test(o.textContent)).value);
  assert.match(kim, /^civil-desk\/official\.desk$/);
  await official.selectOption('#assign-to', kim);
  await Promise.all([official.waitForNavigation(), official.click('form:has(input[value=assign]) button[type=submit]')]);
  assert.match(await official.textContent('main'), /김민원/);

  // The extension is a number of days with its cap beside it; one template selector.
  await official.click('summary:has-text("처리기간 연장")');
  assert.match(await official.textContent('#ext-help'), /최대 7일/);
  assert.equal(await official.$$eval('select[name=template]', (s) => s.length), 1);
  await audit(official, 'desk-choices');

  // The official attaches the certificate; the timeline says so in words, the hash on demand.
  await official.click('summary:has-text("결과 문서 첨부")');
  await official.setInputFiles('#result-file', { name: 'certificate.pdf', mimeType: 'application/pdf', buffer: PDF });
  await Promise.all([official.waitForNavigation(), official.click('#result-form button[type=submit]')]);
  assert.match(await official.textContent('#result-documents'), /certificate\.pdf/);
  const line = await official.textContent('.mw-timeline li:has-text("결과 문서 첨부")');
  assert.match(line, /결과 문서 첨부: certificate\.pdf \(1 KB\)/);
  assert.ok(!(await official.isVisible('.mw-timeline .mw-hash')), 'the hash waits behind 자세히');
  await audit(official, 'desk-result-attached');
  await official.goto(`${server.url}/desk/petitions/${id}?lang=en`);
  assert.match(await official.textContent('.mw-timeline'), /Result document attached: certificate\.pdf/);
  assert.equal(await official.textContent('#channel'), 'Online');
  await audit(official, 'desk-result-attached-en');
  await official.setViewportSize({ width: 390, height: 844 });
  await official.goto(`${server.url}/desk/petitions/${id}?lang=ko`);
  await official.click('.mw-timeline li:has-text("결과 문서 첨부") summary');
  assert.ok(await official.isVisible('.mw-timeline .mw-hash'), 'the hash on demand');
  await audit(official, 'desk-result-attached-390');

  // The petitioner verifies on the tracking page and downloads it, on a phone too.
  const rctx = await browser.newContext({ acceptDownloads: true });
  const resident = await rctx.newPage();
  await resident.goto(`${server.url}/track`);
  await resident.fill('#number', String(id));
  await resident.fill('#pin', code);
  await Promise.all([resident.waitForNavigation(), resident.click('form.mw-form button[type=submit]')]);
  assert.match(await resident.textContent('#result-documents'), /certificate\.pdf/);
  await audit(resident, 'track-result-document');
  const [download] = await Promise.all([
    resident.waitForEvent('download'),
    resident.click('#result-documents button[type=submit]'),
  ]);
  assert.equal(download.suggestedFilename(), 'certificate.pdf');
  // On a phone: verify again and see the same document.
  await resident.setViewportSize({ width: 390, height: 844 });
  await resident.goto(`${server.url}/track`);
  await resident.fill('#number', String(id));
  await resident.fill('#pin', code);
  await Promise.all([resident.waitForNavigation(), resident.click('form.mw-form button[type=submit]')]);
  assert.match(await resident.textContent('#result-documents'), /certificate\.pdf/);
  await audit(resident, 'track-result-document-390');

  // Someone with the number and the file's hash but not the code gets nothing.
  const sha = await resident.getAttribute('#result-documents input[name=sha256]', 'value');
  const stranger = await (await browser.newContext()).newPage();
  await stranger.goto(`${server.url}/track`);
  const [answer] = await Promise.all([
    stranger.waitForNavigation(),
    stranger.evaluate(([number, sha256]) => {
      const f = document.querySelector('form.mw-form');
      f.action = '/track/result';
      for (const [k, v] of Object.entries({ number, sha256 })) {
        const i = document.createElement('input');
        i.type = 'hidden'; i.name = k; i.value = v; f.appendChild(i);
      }
      f.querySelector('#pin').removeAttribute('required');
      f.querySelector('#number').remove();
      f.submit();
    }, [String(id), sha]),
  ]);
  assert.equal(answer.status(), 404);
});
