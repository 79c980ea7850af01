// Opens a written report.html in a real headless Chromium (Debian's, driven by playwright-core)
// and checks what a person would see: it renders, every chart is visible and has data, the
// console stays clean and the page makes no request beyond its own file. Shared with the
// end-to-end test that runs a real curriculum and then checks its report.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const LAUNCH_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Charts every report of a run with at least one evaluated lesson must show with data. */
export const CORE_CHARTS = ['heldout-accuracy', 'sampling-weights', 'continual-learning-matrix', 'decision-log'] as const;

/**
 * Why the browser test cannot run here, or null when it can. Under CI=true a missing browser
 * is a failure, not a skip: the test exists to run there.
 */
export function browserSkipReason(): string | null {
  if (existsSync(CHROMIUM_PATH)) return null;
  const reason = `no Chromium at ${CHROMIUM_PATH} (apt-get install -y chromium, or set CHROMIUM_PATH)`;
  if (process.env.CI === 'true') throw new Error(`CI=true but the browser test cannot run: ${reason}`);
  return reason;
}

export interface BrowserCheckOptions {
  /** data-chart names that must be present (default CORE_CHARTS). */
  requiredCharts?: readonly string[];
  /** Where to save a full-page screenshot, for looking at the report. */
  screenshotPath?: string;
}

export interface BrowserCheckResult {
  /** data-chart name -> data-points, for every chart on the page. */
  charts: Record<string, number>;
}

/** Throws an Error listing every problem found; resolves with the charts seen otherwise. */
export async function assertReportInBrowser(htmlPath: string, options: BrowserCheckOptions = {}): Promise<BrowserCheckResult> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`cannot check ${htmlPath} in a browser: no Chromium at ${CHROMIUM_PATH}`);
  const url = pathToFileURL(resolve(htmlPath)).href;
  const problems: string[] = [];
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: LAUNCH_ARGS });
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('console', (msg) => {
      if (msg.type() === 'error' || msg.type() === 'warning') problems.push(`console ${msg.type()}: ${msg.text()}`);
    });
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('dialog', (dialog) => {
      problems.push(`a dialog opened (${dialog.type()}: ${dialog.message()}): a script ran`);
      void dialog.dismiss();
    });
    page.on('request', (req) => {
      if (req.url() !== url) problems.push(`request made: ${req.method()} ${req.url()}`);
    });
    const response = await page.goto(url, { waitUntil: 'load' });
    if (response && !response.ok()) problems.push(`loading ${url} answered ${response.status()}`);

    const title = await page.title();
    if (title.trim() === '') problems.push('the page has no title');
    const scripts = await page.locator('script').count();
    if (scripts > 0) problems.push(`the page contains ${scripts} <script> element(s)`);

    // The inline stylesheet must apply whole: an escaped quote or `>` silently drops rules.
    const style = await page.evaluate(() => {
      const header = document.querySelector('header.run');
      return {
        font: getComputedStyle(document.body).fontFamily,
        header: header ? getComputedStyle(header).backgroundImage : 'no header.run element',
        sheets: Array.from(document.styleSheets, (sheet) => sheet.cssRules.length),
      };
    });
    if (!style.font.includes('sans-serif')) problems.push(`the stylesheet did not apply: body font is ${style.font}`);
    if (!style.header.startsWith('linear-gradient')) problems.push(`the run header is unstyled: ${style.header}`);
    if (style.sheets.length === 0 || style.sheets.some((n) => n === 0)) problems.push('an empty or missing stylesheet');

    const charts: Record<string, number> = {};
    const locators = await page.locator('[data-chart]').all();
    if (locators.length === 0) problems.push('no [data-chart] element on the page');
    for (const chart of locators) {
      const name = (await chart.getAttribute('data-chart')) ?? '(unnamed)';
      const points = Number(await chart.getAttribute('data-points'));
      charts[name] = points;
      if (!Number.isInteger(points) || points <= 0) problems.push(`chart ${name}: data-points is ${String(points)}, expected > 0`);
      // isVisible means laid out with a size and not hidden; it need not be scrolled into view.
      if (!(await chart.isVisible())) {
        problems.push(`chart ${name} is not visible`);
        continue;
      }
      const box = await chart.boundingBox();
      if (!box || box.width < 100 || box.height < 20) problems.push(`chart ${name} renders at ${box ? `${box.width}x${box.height}` : 'no size'}`);
      // An SVG chart must lay out its drawing, not just its frame.
      const svg = chart.locator('svg.plot');
      if ((await svg.count()) > 0) {
        const svgBox = await svg.first().boundingBox();
        if (!svgBox || svgBox.height < 50) problems.push(`chart ${name}: its SVG renders at ${svgBox ? `${svgBox.width}x${svgBox.height}` : 'no size'}`);
      }
    }
    for (const name of options.requiredCharts ?? CORE_CHARTS) {
      if (!(name in charts)) problems.push(`required chart ${name} is missing`);
    }
    if (options.screenshotPath) await page.screenshot({ path: options.screenshotPath, fullPage: true });
    await page.close();
    if (problems.length > 0) throw new Error(`${htmlPath} failed the browser check:\n  - ${problems.join('\n  - ')}`);
    return { charts };
  } finally {
    await browser?.close();
  }
}
