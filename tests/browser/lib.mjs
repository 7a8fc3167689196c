// What the browser specs share: Debian's chromium through playwright-core, one browser context per
// user, named steps that stop the run (with screenshots of every page) at the first failure.
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';

export const TIMEOUT = 30000;

export async function openConsole(env) {
  const base = env.CONSOLE_URL.replace(/\/$/, '');
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    // As root in a closed network: no sandbox, no background traffic to Google.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
           '--disable-component-update', '--disable-sync'],
  });
  const pages = {};

  async function newUser(name) {
    const context = await browser.newContext({ locale: 'ja-JP', viewport: { width: 1280, height: 900 } });
    context.setDefaultTimeout(TIMEOUT);
    pages[name] = await context.newPage();
    return pages[name];
  }

  async function shot(page, name, docs = false) {
    const file = path.join(env.ARTIFACT_DIR, `${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    if (docs) fs.copyFileSync(file, path.join(env.DOCS_DIR, `${name}.png`));
  }

  // A picture for the Japanese manuals (docs/ja/images/<name>.png), retaken on every run so that the
  // manuals never show a screen the console no longer has. The visible window only: a manual shows
  // what the reader sees first.
  async function manualShot(page, name) {
    const file = path.join(env.ARTIFACT_DIR, `${name}.png`);
    await page.screenshot({ path: file });
    const dir = path.join(env.DOCS_DIR, 'ja', 'images');
    fs.mkdirSync(dir, { recursive: true });
    fs.copyFileSync(file, path.join(dir, `${name}.png`));
  }

  async function step(name, fn) {
    const started = Date.now();
    try {
      await fn();
      console.log(`ok   ${name} (${Date.now() - started} ms)`);
    } catch (error) {
      console.log(`FAIL ${name}: ${error.stack}`);
      for (const [who, page] of Object.entries(pages)) {
        await page.screenshot({ path: path.join(env.ARTIFACT_DIR, `failed-${who}.png`), fullPage: true })
          .catch(() => {});
      }
      await browser.close();
      process.exit(1);
    }
  }

  async function signIn(page, user, password) {
    await page.goto(`${base}/`);
    await page.waitForURL(/\/login\?next=/);
    await page.fill('#username', user);
    await page.fill('#password', password);
    await Promise.all([page.waitForURL(`${base}/`), page.click('#signin button[type=submit]')]);
    await page.waitForSelector('#user');
  }

  async function text(page, selector) {
    return (await page.textContent(selector)).trim();
  }

  // Reloads until the case shows `label` as its state (routing works asynchronously).
  async function awaitCaseState(page, caseId, label) {
    const deadline = Date.now() + TIMEOUT;
    for (;;) {
      await page.goto(`${base}/cases/${caseId}`);
      const state = await text(page, '#case-state');
      if (state === label) return;
      if (Date.now() > deadline) throw new Error(`case ${caseId} is ${state}, expected ${label}`);
      await page.waitForTimeout(200);
    }
  }

  return { base, browser, newUser, shot, manualShot, step, signIn, text, awaitCaseState };
}
