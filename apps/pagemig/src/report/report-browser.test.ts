/**
 * End to end: a small real bench run through the CLI (`pagemig bench --out DIR`), then the
 * report opened in headless Debian Chromium (playwright-core, no downloaded browser): the
 * charts are there and drawn, nothing is fetched from anywhere, and a screenshot is taken.
 * CI installs /usr/bin/chromium (.ci/run); elsewhere the browser part is skipped without it.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EXIT_OK } from '../cli-error';
import { main } from '../program';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const haveChromium = existsSync(CHROMIUM);
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

let work: string;
let out: string;
let code: number;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'pagemig-report-'));
  out = join(work, 'bench');
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  try {
    code = await main(['bench', '--total', '8M', '--sizes', '4K,2M', '--paths', 'legacy,batch', '--repeat', '1', '--no-progress', '--out', out], { err: () => {} });
  } finally {
    stdout.mockRestore();
  }
}, 120_000);

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe('pagemig bench --out', () => {
  it('writes results, both charts as SVG and PNG, and the HTML report', () => {
    expect(code).toBe(EXIT_OK);
    expect(readdirSync(out).sort()).toEqual(['bench.csv', 'bench.json', 'report.html', 'speedup.png', 'speedup.svg', 'throughput.png', 'throughput.svg']);
    for (const png of ['throughput.png', 'speedup.png']) expect([...readFileSync(join(out, png)).subarray(0, 8)]).toEqual(PNG_SIGNATURE);
    for (const svg of ['throughput.svg', 'speedup.svg']) expect(readFileSync(join(out, svg), 'utf8')).toMatch(/^<svg[^>]*class="marks"/);
    const json = JSON.parse(readFileSync(join(out, 'bench.json'), 'utf8'));
    expect(json.rows).toHaveLength(4);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).not.toMatch(/https?:\/\//);
    // every row of the run is in the report's table
    expect((html.slice(html.indexOf('<tbody>')).match(/<tr>/g) ?? []).length).toBe(4);
  });
});

describe.skipIf(!haveChromium && process.env.CI !== 'true')('report.html in headless Chromium', () => {
  it('shows both charts drawn, fetches nothing, and takes a screenshot', async () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`).toBe(true);
    const { chromium } = await import('playwright-core');
    const profile = mkdtempSync(join(work, 'profile-'));
    const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    try {
      const page = await context.newPage();
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      const reportUrl = pathToFileURL(join(out, 'report.html')).href;
      await page.goto(reportUrl, { waitUntil: 'load' });
      expect(await page.title()).toBe('pagemig bench report');
      expect(requests.filter((u) => u !== reportUrl)).toEqual([]);

      for (const id of ['throughput', 'speedup']) {
        const svg = page.locator(`figure#${id} > svg`);
        expect(await svg.count()).toBe(1);
        const box = await svg.boundingBox();
        expect(box).not.toBeNull();
        expect(box!.width).toBeGreaterThan(100);
        expect(box!.height).toBeGreaterThan(100);
        // every row of the run is a drawn point (the speedup chart shows each row once, in its size's panel)
        const points = svg.locator('g.mark-symbol.role-mark path');
        expect(await points.count()).toBe(4);
        for (let i = 0; i < 4; i++) {
          const pointBox = await points.nth(i).boundingBox();
          expect(pointBox!.width).toBeGreaterThan(0);
          expect(pointBox!.height).toBeGreaterThan(0);
        }
        // one line mark per path (and per panel); in the throughput chart each runs from 4K to 2M
        const lines = svg.locator('g.mark-line.role-mark path');
        expect(await lines.count()).toBe(id === 'throughput' ? 2 : 4);
        if (id === 'throughput') {
          for (let i = 0; i < 2; i++) expect((await lines.nth(i).boundingBox())!.width).toBeGreaterThan(box!.width / 3);
        }
        expect(await svg.locator('text', { hasText: 'legacy' }).count()).toBeGreaterThan(0);
      }
      expect(await page.locator('#results tbody tr').count()).toBe(4);
      await expect(page.locator('h2', { hasText: 'How to read this' }).count()).resolves.toBe(1);

      const shot = join(work, 'report.png');
      await page.screenshot({ path: shot, fullPage: true });
      expect([...readFileSync(shot).subarray(0, 8)]).toEqual(PNG_SIGNATURE);
    } finally {
      await context.close();
    }
  }, 120_000);
});
