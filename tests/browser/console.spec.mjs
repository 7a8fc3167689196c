// The console in Debian's chromium, driven by Playwright (playwright-core). Run by
// console_browser_test (ctest label "browser"), which starts the stack and passes, in the
// environment: CONSOLE_URL, the development passwords, HOSHOCTL and STACK_FILE (to submit cases as a
// contractor would), KEY_FILE/EXPECTED_KEY (the D-Sure key of the submitted case),
// CERTIFICATE_JSON (what the platform shows for it), ARTIFACT_DIR, DOCS_DIR and RESULT_FILE.
import { execFileSync } from 'node:child_process';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { openConsole } from './lib.mjs';

const env = process.env;
const certificate = JSON.parse(env.CERTIFICATE_JSON);
const result = {};
const { base, browser, newUser, shot, manualShot, step, signIn, text, awaitCaseState } = await openConsole(env);

// A contractor submits through the real API (hoshoctl), as any integrating system would.
function submit(requestId, contract, guaranteeNumber) {
  const out = execFileSync(env.HOSHOCTL, [`--stack=${env.STACK_FILE}`, 'submit', `--request-id=${requestId}`,
    `--contract=${contract}`, '--kind=contract', '--issuer-kind=surety_company',
    '--issuer=east_japan_construction_surety', `--guarantee-number=${guaranteeNumber}`, `--key-file=${env.KEY_FILE}`],
  { encoding: 'utf8' });
  const match = out.match(/^case (\S+)/m);
  assert.ok(match, `hoshoctl submit printed no case id: ${out}`);
  return match[1];
}

const keiyaku = await newUser('keiyaku');
const suido = await newUser('suido');
const unyo = await newUser('unyo');

await step('sign-in: a wrong password is refused, the right one opens the overview, cookies are locked down', async () => {
  await keiyaku.goto(`${base}/cases`);
  await keiyaku.waitForURL(/\/login\?next=%2Fcases/);
  await manualShot(keiyaku, 'signin');
  await keiyaku.fill('#username', 'keiyaku');
  await keiyaku.fill('#password', 'not-the-password');
  await keiyaku.click('#signin button[type=submit]');
  await keiyaku.waitForSelector('.flash.error');
  assert.match(await text(keiyaku, '.flash.error'), /ユーザー名またはパスワードが違います/);
  await signIn(keiyaku, 'keiyaku', env.KEIYAKU_PASSWORD);
  assert.equal(await text(keiyaku, 'h1'), '概況');
  assert.match(await text(keiyaku, '#user'), /契約 花子（契約課・職員）/);
  await manualShot(keiyaku, 'overview-clerk');
  const session = (await keiyaku.context().cookies()).find((c) => c.name === 'hosho_session');
  assert.ok(session, 'no session cookie');
  assert.equal(session.httpOnly, true);
  assert.equal(session.sameSite, 'Strict');
  assert.equal(session.secure, true);
  await Promise.all([keiyaku.waitForURL(`${base}/`), keiyaku.click('#lang-switch')]);
  assert.equal(await text(keiyaku, 'h1'), 'Overview');
  await Promise.all([keiyaku.waitForURL(`${base}/`), keiyaku.click('#lang-switch')]);
  assert.equal(await text(keiyaku, 'h1'), '概況');
  await signIn(suido, 'suido', env.SUIDO_PASSWORD);
  await signIn(unyo, 'unyo', env.UNYO_PASSWORD);
});

await step('live feed: a case submitted now appears on the feed of its office, filtered, and not on another office\'s', async () => {
  await keiyaku.goto(`${base}/feed?office=contract-division`);
  await keiyaku.waitForSelector('#feed-status[data-state=open]');
  await suido.goto(`${base}/feed`);
  await suido.waitForSelector('#feed-status[data-state=open]');
  result.contract_case = submit('browser-contract', 'K-2026-0001', 'DS-26-000101');
  await keiyaku.waitForSelector(`#feed-body tr[data-case-id="${result.contract_case}"][data-state=AWAITING_VERIFICATION]`);
  await shot(keiyaku, 'feed-contract-division');
  await manualShot(keiyaku, 'feed');
  // A state filter: the stream starts again and shows only that state.
  await keiyaku.selectOption('#filter-state', 'AWAITING_VERIFICATION');
  await keiyaku.waitForSelector(`#feed-body tr[data-case-id="${result.contract_case}"]`);
  const states = await keiyaku.$$eval('#feed-body tr', (rows) => rows.map((r) => r.dataset.state));
  assert.ok(states.length > 0 && states.every((s) => s === 'AWAITING_VERIFICATION'), `rows: ${states}`);
  assert.match(keiyaku.url(), /state=AWAITING_VERIFICATION/);
  // 上下水道事業政策課 sees its own case arrive; the feed is ordered, so by then it has passed over
  // every event of 契約課's case without showing it.
  result.water_case = submit('browser-water', 'K-2026-0002', 'DS-26-009901');
  await suido.waitForSelector(`#feed-body tr[data-case-id="${result.water_case}"][data-state=AWAITING_VERIFICATION]`);
  assert.equal(await suido.$$eval(`#feed-body tr[data-case-id="${result.contract_case}"]`, (r) => r.length), 0);
});

await step('clerk: claim, reveal (audited), certificate form with validation, verdict, conclude the contract', async () => {
  const id = result.contract_case;
  // The operator watches every office's feed while the clerk works.
  await unyo.goto(`${base}/feed`);
  await unyo.waitForSelector('#feed-status[data-state=open]');
  await keiyaku.goto(`${base}/tasks`);
  const row = `#tasks tr[data-task-id="${id}"]`;
  await keiyaku.waitForSelector(row);
  await manualShot(keiyaku, 'tasks');
  await Promise.all([keiyaku.waitForURL(/claimed=1/), keiyaku.click(`${row} button[type=submit]`)]);
  assert.match(await text(keiyaku, '.flash'), /引き受けました/);
  assert.equal(await text(keiyaku, '#claimed-by'), 'keiyaku');
  // The claim is a case event: it reaches the feed, naming the clerk. (Other rows of the case may
  // show VERIFYING too: each row gives the state the case had when the console took the event in.)
  await unyo.waitForSelector(
    `#feed-body tr[data-case-id="${id}"][data-state=VERIFYING]:has(td:nth-child(4):text-is("AWAITING_VERIFICATION → VERIFYING (keiyaku)"))`);
  // Giving the task back is one too; then the clerk takes it again.
  await Promise.all([keiyaku.waitForURL(`${base}/tasks`), keiyaku.click('#release button[type=submit]')]);
  await unyo.waitForSelector(`#feed-body tr[data-case-id="${id}"]:has-text("確認作業を手放しました (keiyaku)")`);
  await keiyaku.waitForSelector(row);
  await Promise.all([keiyaku.waitForURL(/claimed=1/), keiyaku.click(`${row} button[type=submit]`)]);
  assert.equal(await text(keiyaku, '#claimed-by'), 'keiyaku');
  await manualShot(keiyaku, 'task-claimed');  // before the reveal: a manual never shows a key
  await keiyaku.fill('#reveal-reason', 'D-Sure で保証書を確認するため');
  await keiyaku.click('#reveal button[type=submit]');
  await keiyaku.waitForSelector('#secret-key');
  assert.equal(await text(keiyaku, '#secret-key'), env.EXPECTED_KEY);
  assert.equal(await text(keiyaku, '#secret-number'), 'DS-26-000101');
  await keiyaku.click('#back-to-task');
  await keiyaku.waitForSelector('#certificate');
  const fill = async (overrides = {}) => {
    const values = { ...certificate, ...overrides };
    await keiyaku.fill('#cert-guarantee_number', values.guarantee_number);
    await keiyaku.selectOption('#cert-kind', 'GUARANTEE_KIND_CONTRACT');
    await keiyaku.selectOption('#cert-issuer', 'ISSUER_EAST_JAPAN_CONSTRUCTION_SURETY');
    for (const f of ['beneficiary', 'contractor_name', 'project_name', 'project_location']) {
      await keiyaku.fill(`#cert-${f}`, values[f] || '');
    }
    await keiyaku.fill('#cert-contract_price_yen', String(values.contract_price_yen));
    await keiyaku.fill('#cert-guaranteed_amount_yen', String(values.guaranteed_amount_yen || ''));
    await keiyaku.fill('#cert-advance_amount_yen', String(values.advance_amount_yen || ''));
    const day = (d) => `${d.year}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;
    await keiyaku.fill('#cert-period_start', day(values.period_start));
    await keiyaku.fill('#cert-period_end', day(values.period_end));
    await keiyaku.fill('#cert-issue_date', day(values.issue_date));
  };
  // A price that is not a number comes back with the field marked and the other fields kept.
  await fill({ contract_price_yen: '48,000,000x' });
  await keiyaku.click('#certificate button[type=submit]');
  await keiyaku.waitForSelector('#error-contract_price_yen');
  assert.match(await text(keiyaku, '#error-contract_price_yen'), /数字で入力してください/);
  assert.equal(await keiyaku.inputValue('#cert-contractor_name'), certificate.contractor_name);
  await shot(keiyaku, 'certificate-form-error');
  // The field's own message in view (the manual's picture is the visible window only).
  await keiyaku.locator('#error-contract_price_yen').scrollIntoViewIfNeeded();
  await manualShot(keiyaku, 'certificate-error');
  await fill({ contract_price_yen: '48,000,000' });
  await keiyaku.click('#certificate button[type=submit]');
  await keiyaku.waitForSelector('#verdict');
  assert.match(await text(keiyaku, '#verdict'), /適合/);
  assert.ok(['VERIFIED', 'ROUTED'].includes(await keiyaku.getAttribute('#verdict', 'data-state')));
  await shot(keiyaku, 'verdict');
  await manualShot(keiyaku, 'verdict');
  await awaitCaseState(keiyaku, id, '回付済み');
  assert.ok((await keiyaku.$$('#rules tbody tr')).length >= 5, 'rule results are shown');
  await keiyaku.fill('#form-conclude textarea', '契約書を取り交わしました');
  await keiyaku.click('#form-conclude button[type=submit]');
  await keiyaku.waitForSelector('.flash');
  assert.match(await text(keiyaku, '.flash'), /記録しました/);
  assert.equal(await text(keiyaku, '#case-state'), '工事担当課へ送付済み');
  await manualShot(keiyaku, 'case-forwarded');
  const actors = await keiyaku.$$eval('#history tbody tr td:nth-child(3)', (cells) => cells.map((c) => c.textContent));
  assert.ok(actors.filter((a) => a === 'keiyaku').length >= 3, `history actors: ${actors}`);
});

await step('refused across offices: another office cannot see, open or act on the case', async () => {
  const id = result.contract_case;
  const seen = await suido.goto(`${base}/cases/${id}`);
  assert.equal(seen.status(), 404);
  assert.match(await text(suido, '.flash.error'), /案件が見つかりません/);
  assert.equal(await suido.$('#summary'), null);
  const task = await suido.goto(`${base}/tasks/${result.contract_case}`);
  assert.equal(task.status(), 404);
  // A forged form with suido's own valid token: the owning service refuses under suido's identity.
  await suido.goto(`${base}/`);
  const csrf = await suido.getAttribute('input[name=csrf]', 'value');
  const forged = await suido.evaluate(async ([caseId, token]) => {
    const body = new URLSearchParams({ csrf: token, expected_version: '1', note: 'x' });
    const r = await fetch(`/cases/${caseId}/acknowledge`, { method: 'POST', body });
    return r.status;
  }, [id, csrf]);
  assert.equal(forged, 404);
  // No token, no action (CSRF).
  const tokenless = await suido.evaluate(async (caseId) => {
    const r = await fetch(`/tasks/${caseId}/claim`, { method: 'POST', body: new URLSearchParams({}) });
    return r.status;
  }, result.water_case);
  assert.equal(tokenless, 403);
  // 契約課 in turn cannot see 上下水道事業政策課's case.
  const other = await keiyaku.goto(`${base}/cases/${result.water_case}`);
  assert.equal(other.status(), 404);
});

await step('operator: any office\'s queue through the office picker, and any office\'s case', async () => {
  await unyo.goto(`${base}/tasks`);
  await unyo.selectOption('select[name=office]', 'water-sewerage-policy');
  await Promise.all([unyo.waitForURL(/office=water-sewerage-policy/), unyo.click('form.filters button[type=submit]')]);
  const row = `#tasks tr[data-task-id="${result.water_case}"]`;
  await unyo.waitForSelector(row);
  await manualShot(unyo, 'tasks-operator');
  // Operators watch the queue; only the office's clerks claim.
  assert.equal(await unyo.$$eval(`${row} form[action$="/claim"]`, (f) => f.length), 0);
  const page = await unyo.goto(`${base}/cases/${result.water_case}`);
  assert.equal(page.status(), 200);
  await unyo.waitForSelector('#history');
});

await step('screenshots of the overview and of a case for docs/', async () => {
  await unyo.goto(`${base}/`);
  await unyo.waitForSelector('#by-state tr[data-state=AWAITING_VERIFICATION]');
  assert.ok(Number(await text(unyo, '#card-in-flight .figure')) >= 2);
  await shot(unyo, 'console-overview', true);
  await unyo.goto(`${base}/cases/${result.contract_case}`);
  await unyo.waitForSelector('#history');
  await shot(unyo, 'console-case-detail', true);
});

fs.writeFileSync(env.RESULT_FILE, JSON.stringify(result));
await browser.close();
console.log('all browser steps passed');
