import { describe, expect, it } from 'vitest';
import { fixtureBenchResult } from '../charts/chart-fixture';
import { benchHostLine, benchReportHtml } from './bench-report-html';
import { escapeHtml, inlineSvg } from './html-page';

const SVG = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" class="marks" width="10" height="10"><rect width="10" height="10"/></svg>';

describe('benchReportHtml', () => {
  const result = fixtureBenchResult();
  const html = benchReportHtml(result, { throughput: SVG, speedup: SVG });

  it('is one self-contained document: inline CSS and SVG, no script, no URL', () => {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('<style>');
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<script|<link|<img|\ssrc=|\shref=/i);
    expect((html.match(/<svg role="img"/g) ?? []).length).toBe(2);
  });

  it('has the host line, the options, the how-to-read and one table row per result row', () => {
    expect(html).toContain(escapeHtml(benchHostLine(result)));
    expect(html).toContain('NR_MAX_BATCHED_MIGRATION');
    expect(html).toContain('262144 base pages (patch 7)');
    expect(html).toContain('How to read this');
    expect(html).toMatch(/speedup<\/b> is a row's GB\/s over the GB\/s of the <code>legacy<\/code> path/);
    expect(html).toContain('ratio to copy');
    const body = html.slice(html.indexOf('<tbody>'), html.indexOf('</tbody>'));
    expect((body.match(/<tr/g) ?? []).length).toBe(result.rows.length);
  });

  it('marks rows that failed verification and says they are not charted', () => {
    expect((html.match(/<tr class="failed">/g) ?? []).length).toBe(1);
    expect(html).toContain('NO: the moved bytes differ from the original');
    expect(html).toContain('1 row(s) failed verification');
  });

  it('is the same for the same result (no timestamp)', () => {
    expect(benchReportHtml(fixtureBenchResult(), { throughput: SVG, speedup: SVG })).toBe(html);
  });
});

describe('html helpers', () => {
  it('escapes markup', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });

  it('inlines an SVG without namespace URLs and with a label', () => {
    const inline = inlineSvg(`<?xml version="1.0"?>\n${SVG}`, 'a <chart>');
    expect(inline.startsWith('<svg role="img" aria-label="a &lt;chart&gt;" class="marks"')).toBe(true);
    expect(inline).not.toContain('http');
  });
});
