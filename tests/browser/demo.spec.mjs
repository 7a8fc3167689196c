// The demo worked in the browser as docs/console.md tells a clerk to: after `hoshoctl demo` (run by
// console_browser_test on a stack like `./hosho demo`'s), 契約課 finds the paper guarantee the demo
// left waiting, records what the paper reads, sees 適合, concludes the contract; 道路維持課
// acknowledges it and the case is closed. Environment: CONSOLE_URL, KEIYAKU_PASSWORD, DORO_PASSWORD,
// PAPER_JSON (the paper's values, as docs/console.md gives them), ARTIFACT_DIR, DOCS_DIR, RESULT_FILE.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { openConsole } from './lib.mjs';

const env = process.env;
const paper = JSON.parse(env.PAPER_JSON);
const result = {};
const { base, browser, newUser, shot, manualShot, step, signIn, text, awaitCaseState } = await openConsole(env);
const keiyaku = await newUser('keiyaku');
const doro = await newUser('doro');

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

fs.writeFileSync(env.RESULT_FILE, JSON.stringify(result));
await browser.close();
console.log('all browser steps passed');
