// Opens a report in headless Debian Chromium (playwright-core, never a downloaded browser) and
// collects console errors, failed requests, and the rendered size of every image and chart.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const haveChromium = (): boolean => existsSync(CHROMIUM);

export interface PageCheck {
  errors: string[];
  /** Requests for anything but the file itself (a self-contained report makes none). */
  requests: string[];
  images: { alt: string; width: number; height: number; natural: number }[];
  charts: { label: string; width: number; height: number; marks: number }[];
  headings: string[];
}

export async function checkInBrowser(htmlPath: string, screenshot?: string): Promise<PageCheck> {
  const profile = mkdtempSync(join(tmpdir(), 'fovea-chromium-'));
  // a fresh profile folder (playwright passes it as --user-data-dir)
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    const url = pathToFileURL(htmlPath).href;
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('request', (r) => { if (r.url() !== url && !r.url().startsWith('data:')) requests.push(r.url()); });
    await page.goto(url, { waitUntil: 'load' });
    // open every collapsed run so its charts lay out
    await page.evaluate(() => document.querySelectorAll('details').forEach((d) => d.setAttribute('open', '')));
    const result = await page.evaluate(() => ({
      images: [...document.querySelectorAll('img')].map((i) => ({ alt: i.alt, width: i.getBoundingClientRect().width, height: i.getBoundingClientRect().height, natural: i.naturalWidth })),
      charts: [...document.querySelectorAll('figure.chart')].map((f) => {
        const svg = f.querySelector('svg');
        const r = svg?.getBoundingClientRect();
        return { label: f.getAttribute('aria-label') ?? '', width: r?.width ?? 0, height: r?.height ?? 0, marks: svg ? svg.querySelectorAll('path, rect, text').length : 0 };
      }),
      headings: [...document.querySelectorAll('h1, h2, h3')].map((h) => h.textContent ?? ''),
    }));
    if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });
    return { errors, requests, ...result };
  } finally {
    await browser.close();
    rmSync(profile, { recursive: true, force: true });
  }
}
