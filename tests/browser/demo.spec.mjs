// The demo worked in the browser as docs/console.md tells a clerk to: after `hoshoctl demo` (run by
// console_browser_test on a stack like `./hosho demo`'s), 契約課 finds the paper guarantee the demo
// left waiting, records what the paper reads, sees 適合, concludes the contract; 道路維持課
// acknowledges it and the case is closed, and its page prints on A4; 契約課 takes its guarantee ledger
// (保証台帳); 下水道工事課 hands the advance the demo's CSV row brought off for payment. Environment:
// CONSOLE_URL, KEIYAKU_PASSWORD, DORO_PASSWORD, GESUI_PASSWORD, PAPER_JSON (the paper's values, as
// docs/console.md gives them), ARTIFACT_DIR, DOCS_DIR, RESULT_FILE.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { openConsole } from './lib.mjs';

const env = process.env;
const paper = JSON.parse(env.PAPER_JSON);
const result = {};
const { base, browser, newUser, shot, manualShot, step, signIn, text, awaitCaseState } = await openConsole(env);
const keiyaku = await newUser('keiyaku');
const doro = await newUser('doro');
const gesui = await newUser('gesui');

await step('keiyaku: the overview shows what the demo left for 契約課', async () => {
  await signIn(keiyaku, 'keiyaku', env.KEIYAKU_PASSWORD);
  await keiyaku.waitForSelector('#by-state tr[data-state=AWAITING_VERIFICATION] td[data-office=contract-division]');
  assert.ok(Number(await text(keiyaku, '#by-state tr[data-state=AWAITING_VERIFICATION] td[data-office=contract-division]')) >= 1);
  assert.ok(Number(await text(keiyaku, '#by-state tr[data-state=ROUTED] td[data-office=contract-division]')) >= 1);
});

await step(`keiyaku: ${paper.guarantee_number} found by its number, claimed from 確認作業`, async () => {
  await keiyaku.goto(`${base}/cases`);
  await keiyaku.fill('#q', paper.guarantee_number);
  await Promise.all([keiyaku.waitForURL(/q=/), keiyaku.click('#case-search button[type=submit]')]);
  const rows = await keiyaku.$$eval('#cases tbody tr', (trs) => trs.map((tr) => tr.dataset.caseId));
  assert.equal(rows.length, 1, `search rows: ${rows}`);
  await manualShot(keiyaku, 'search');
  result.paper_case = rows[0];
  await keiyaku.goto(`${base}/tasks`);
  const row = `#tasks tr[data-task-id="${result.paper_case}"]`;
  await keiyaku.waitForSelector(row);
  await Promise.all([keiyaku.waitForURL(/claimed=1/), keiyaku.click(`${row} button[type=submit]`)]);
  assert.equal(await text(keiyaku, '#claimed-by'), 'keiyaku');
  // Paper: nothing to reveal, the certificate form straight away.
  assert.equal(await keiyaku.$('#reveal'), null);
  assert.match(await text(keiyaku, '#paper-note'), /紙の保証書です/);
  await keiyaku.waitForSelector('#certificate');
});

await step('keiyaku: records what the paper reads; the verdict is 適合; the case is routed to 契約課', async () => {
  await keiyaku.fill('#cert-guarantee_number', paper.guarantee_number);
  await keiyaku.selectOption('#cert-kind', { label: paper.kind });
  await keiyaku.selectOption('#cert-issuer', { label: paper.issuer });
  for (const f of ['beneficiary', 'contractor_name', 'project_name', 'project_location', 'contract_price_yen',
    'guaranteed_amount_yen', 'period_start', 'period_end', 'issue_date']) {
    await keiyaku.fill(`#cert-${f}`, paper[f]);
  }
  await keiyaku.click('#certificate button[type=submit]');
  await keiyaku.waitForSelector('#verdict');
  assert.match(await text(keiyaku, '#verdict'), /適合/);
  await shot(keiyaku, 'demo-verdict');
  await awaitCaseState(keiyaku, result.paper_case, '回付済み');
  const failed = await keiyaku.$$eval('#rules td.bad', (cells) => cells.length);
  assert.equal(failed, 0, 'no rule failed');
});

await step('keiyaku: concludes the contract; it goes to the department in charge', async () => {
  await keiyaku.fill('#form-conclude textarea', '契約を締結しました');
  await keiyaku.click('#form-conclude button[type=submit]');
  await keiyaku.waitForSelector('.flash');
  assert.equal(await text(keiyaku, '#case-state'), '工事担当課へ送付済み');
  assert.match(await text(keiyaku, '#case-office'), /道路維持課/);
});

await step('doro (道路維持課): acknowledges it, and the case is closed', async () => {
  await signIn(doro, 'doro', env.DORO_PASSWORD);
  await doro.goto(`${base}/cases/${result.paper_case}`);
  await doro.fill('#form-acknowledge textarea', '受領しました');
  await manualShot(doro, 'acknowledge');
  await doro.click('#form-acknowledge button[type=submit]');
  await doro.waitForSelector('.flash');
  await awaitCaseState(doro, result.paper_case, '完了');
  await shot(doro, 'demo-closed');
  await manualShot(doro, 'case-closed');
});

await step('doro: the closed case prints on A4 with its summary, rules and history, and nothing of the screen', async () => {
  await doro.goto(`${base}/cases/${result.paper_case}`);
  const pdf = path.join(env.ARTIFACT_DIR, 'case-print.pdf');
  await doro.pdf({ path: pdf, format: 'A4' });  // Chromium's own print, with the print style sheet
  assert.match(execFileSync('pdfinfo', [pdf]).toString(), /Page size:.*\(A4\)/);
  const printed = execFileSync('pdftotext', ['-layout', pdf, '-']).toString();
  for (const words of [result.paper_case, 'MB-2026-0077', '完了', '確認結果', '経過', '受領しました', '表示日時']) {
    assert.ok(printed.includes(words), `the printed page has ${words}`);
  }
  for (const words of ['ログアウト', 'ライブ', '概況', '案件検索', 'English']) {
    assert.ok(!printed.includes(words), `the printed page leaves out ${words}`);
  }
});

await step('keiyaku: takes 契約課\'s guarantee ledger (保証台帳) from the search page, as .xlsx and as CSV', async () => {
  await keiyaku.goto(`${base}/cases`);
  await keiyaku.locator('#ledger-form').scrollIntoViewIfNeeded();
  await manualShot(keiyaku, 'ledger');
  const [xlsx] = await Promise.all([keiyaku.waitForEvent('download'), keiyaku.click('#ledger-download')]);
  assert.match(xlsx.suggestedFilename(), /^保証台帳_contract-division_\d{4}-04-01_\d{4}-03-31\.xlsx$/);
  const workbook = path.join(env.ARTIFACT_DIR, 'ledger.xlsx');
  await xlsx.saveAs(workbook);
  assert.equal(fs.readFileSync(workbook).subarray(0, 2).toString(), 'PK');
  await keiyaku.selectOption('#ledger-form select[name=format]', 'csv');
  const [csv] = await Promise.all([keiyaku.waitForEvent('download'), keiyaku.click('#ledger-download')]);
  const file = path.join(env.ARTIFACT_DIR, 'ledger.csv');
  await csv.saveAs(file);
  const body = fs.readFileSync(file, 'utf8');
  assert.ok(body.startsWith('\ufeff案件番号,状態,'), 'UTF-8 with a byte-order mark, Japanese headings');
  assert.ok(body.includes(result.paper_case), 'the paper guarantee 契約課 checked is in its ledger');
});

await step('gesui (下水道工事課): hands the advance from the form\'s CSV off for payment; the case is closed', async () => {
  await signIn(gesui, 'gesui', env.GESUI_PASSWORD);
  await gesui.goto(`${base}/cases?state=ROUTED&office=sewerage-works`);
  const rows = await gesui.$$eval('#cases tbody tr', (trs) => trs.map((tr) => tr.dataset.caseId));
  assert.equal(rows.length, 1, `routed rows: ${rows}`);
  result.payment_case = rows[0];
  await gesui.goto(`${base}/cases/${result.payment_case}`);
  await gesui.fill('#form-payment-handoff textarea', '請求書を確認しました');
  await manualShot(gesui, 'payment-handoff');
  await gesui.click('#form-payment-handoff button[type=submit]');
  await gesui.waitForSelector('.flash');
  await awaitCaseState(gesui, result.payment_case, '完了');
});

fs.writeFileSync(env.RESULT_FILE, JSON.stringify(result));
await browser.close();
console.log('all browser steps passed');
