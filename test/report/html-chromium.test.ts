/**
 * Opens the `compare --html` report in headless Chromium (playwright-core + Debian's chromium):
 * it renders, shows every checkpoint and both plots, and logs no console errors. Skipped, with the
 * reason printed, when /usr/bin/chromium is absent (`apt-get install -y chromium`) — except where
 * FACEBENCH_REQUIRE_CHROMIUM=1 (CI sets it): there a missing browser is a failure, not a skip.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { runCli, tempDir } from '../helpers.js';

const CHROMIUM = process.env.FACEBENCH_CHROMIUM ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
const required = process.env.FACEBENCH_REQUIRE_CHROMIUM === '1';
if (!haveChromium && !required) {
  console.warn(`skipping the HTML report browser test: ${CHROMIUM} not found (apt-get install -y chromium, or set FACEBENCH_CHROMIUM)`);
}

describe.runIf(required)('CI runs the browser test', () => {
  it(`has Chromium at ${CHROMIUM}`, () => expect(haveChromium).toBe(true));
});

const dir = tempDir();
const checkpoints = ['magface-r18', 'arcface-r18'];

describe.skipIf(!haveChromium)('compare --html in headless Chromium', () => {
  let browser: Browser;
  let html: string;
  beforeAll(async () => {
    const jsons = await Promise.all(checkpoints.map(async (m) => {
      const file = join(dir, `${m}.json`);
      const r = await runCli(['ijb', '--root', 'fixtures/ijb-demo', '--features', `fixtures/ijb-demo/${m}/features.npy`, '--curve', '--quiet', '--json', file]);
      expect(r.code, r.stderr).toBe(0);
      return file;
    }));
    html = join(dir, 'report.html');
    const r = await runCli(['compare', ...jsons, '--published', '--html', html]);
    expect(r.code, r.stderr).toBe(0);
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('is self-contained: no scripts, no external resources', async () => {
    const text = readFileSync(html, 'utf8');
    expect(text).not.toMatch(/<script|<link |src="http|href="http|@import|url\(http/);
  });

  it('renders every checkpoint, the published rows and both plots, with no console errors or failed requests', async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`requestfailed: ${r.url()}`));
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(html).href, { waitUntil: 'load' });
    expect(await page.title()).toBe('facebench compare — IJB-C');
    const rows = await page.$$eval('tr.checkpoint', (trs) => trs.map((tr) => tr.getAttribute('data-checkpoint')));
    expect(rows).toEqual(['magface-r18', 'magface-r18', 'arcface-r18', 'arcface-r18']);
    expect(await page.$$eval('tr.published', (trs) => trs.length)).toBe(3);
    for (const id of ['roc', 'det']) {
      const box = await page.locator(`#${id} svg`).boundingBox();
      expect(box, id).not.toBeNull();
      expect(box!.width).toBeGreaterThan(300);
      expect(box!.height).toBeGreaterThan(200);
      const legend = await page.locator(`#${id} svg`).textContent();
      for (const m of checkpoints) expect(legend).toContain(`${m} · plain`);
    }
    // Every table cell is visible (rendered, not clipped to nothing).
    const visibleCells = await page.$$eval('table.compare td', (tds) => tds.filter((td) => (td as HTMLElement).offsetWidth > 0).length);
    expect(visibleCells).toBe(7 * 6);
    await page.screenshot({ path: join(dir, 'report.png'), fullPage: true });
    expect(requests).toEqual([pathToFileURL(html).href]);
    expect(problems).toEqual([]);
    await page.close();
  });
});
