/**
 * The HTML report of a bench run, one self-contained file: the host line, the options, the
 * charts (inline SVG), the results table and a short "how to read this". It holds no
 * timestamp, so the same result always gives the same file.
 */
import { formatSize } from '@pagemig/folio';
import type { BenchResult } from '../bench/run-bench';
import { seriesName } from '../charts/chart-style';
import { escapeHtml, htmlPage, inlineSvg } from './html-page';

/** The charts a bench report shows, as SVG documents. */
export interface BenchReportCharts {
  throughput: string;
  speedup: string;
}

const fixed = (n: number | null, digits: number) => (n === null || !Number.isFinite(n) ? '–' : n.toFixed(digits));
const unique = <T>(xs: readonly T[]) => [...new Set(xs)];

/** The host line: CPUs, Node.js, and the raw copy bandwidth every row is divided by. */
export function benchHostLine(result: BenchResult): string {
  const h = result.host;
  return (
    `host: ${h.cpus} CPUs, Node.js ${h.node}; raw single-thread copy ${h.copyGBps.toFixed(2)} GB/s ` +
    `(TypedArray.set between the two nodes' memory, measured in this run)`
  );
}

function optionsList(result: BenchResult): string {
  const o = result.options;
  const rows = result.rows;
  const workers = (path: string) => unique(rows.filter((r) => r.path === path).map((r) => r.workers)).sort((a, b) => a - b);
  const items: [string, string][] = [
    ['moved per row', formatSize(o.total)],
    ['folio sizes', o.sizes.map(formatSize).join(', ')],
    ['paths', unique(rows.map((r) => seriesName(r.path, r.workers))).join(', ') || '(none)'],
    ['modes', unique(rows.map((r) => r.mode)).join(', ') || o.mode],
    ['repeat', `${o.repeat} (each row reports the median)`],
    ['NR_MAX_BATCHED_MIGRATION', `${o.batchLimit} base pages${o.batchLimit === 512 ? ' (upstream)' : o.batchLimit === 262144 ? ' (patch 7)' : ''}`],
  ];
  if (workers('mtcopy').length > 0) items.push(['mtcopy threads', workers('mtcopy').join(', ')]);
  if (workers('dcbm').length > 0) items.push(['dcbm channels', workers('dcbm').join(', ')]);
  return `<dl class="options">\n${items.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('\n')}\n</dl>`;
}

function resultsTable(result: BenchResult): string {
  const head = ['folio', 'path', 'workers', 'mode', 'GB/s', 'speedup', 'ratio to copy', 'µs/folio', 'verified'];
  const body = result.rows.map((r) => {
    const cells = [
      `<td class="num">${formatSize(r.folioSize)}</td>`,
      `<td>${escapeHtml(r.path)}</td>`,
      `<td class="num">${r.workers}</td>`,
      `<td>${escapeHtml(r.mode)}</td>`,
      `<td class="num">${fixed(r.GBps, 2)}</td>`,
      `<td class="num">${r.speedup === null ? '–' : `${fixed(r.speedup, 2)}×`}</td>`,
      `<td class="num">${fixed(r.ratioToCopy, 3)}</td>`,
      `<td class="num">${fixed(r.usPerFolio, 1)}</td>`,
      `<td>${r.verified ? 'yes' : `NO: ${escapeHtml(r.problem ?? '')}`}</td>`,
    ];
    return `<tr${r.verified ? '' : ' class="failed"'}>${cells.join('')}</tr>`;
  });
  return `<table id="results">\n<thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead>\n<tbody>\n${body.join('\n')}\n</tbody>\n</table>`;
}

function howToRead(result: BenchResult): string {
  const failed = result.rows.filter((r) => !r.verified).length;
  const modelled = result.rows.some((r) => r.mode !== 'measured');
  const items = [
    `<b>GB/s</b> is the bytes moved per row (${escapeHtml(formatSize(result.options.total))}) over the time of one ` +
      '<code>move_pages</code> of the whole region to the other node: unmap, the batched TLB flush, the copy and the remap, ' +
      'not the copy alone. Each row is the median of its repetitions.',
    '<b>speedup</b> is a row\'s GB/s over the GB/s of the <code>legacy</code> path (upstream per-folio CPU copy) at the same folio size ' +
      'and in the same mode. 1× means no gain.',
    `<b>ratio to copy</b> is a row's GB/s over the raw single-thread copy of this host (${result.host.copyGBps.toFixed(2)} GB/s, ` +
      '<code>TypedArray.set</code> between the two nodes\' memory), measured in the same run: it says how close migration gets to a plain memcpy.',
    '<b>verified</b>: after every move each page reported the target node, the region\'s bytes hashed the same as before, and the memory ' +
      `invariants held.${failed > 0 ? ` ${failed} row(s) failed verification: they are marked in the table and left out of the charts.` : ''}`,
    '<b>µs/folio</b> is the mean time per folio of a move, all phases included.',
  ];
  if (modelled) items.push('<b>modelled</b> rows are virtual time from the cost model, not this host\'s clock: they are drawn dashed.');
  return `<ul>\n${items.map((i) => `<li>${i}</li>`).join('\n')}\n</ul>`;
}

/** The report as one HTML document. */
export function benchReportHtml(result: BenchResult, charts: BenchReportCharts): string {
  const body = [
    '<h1>pagemig bench</h1>',
    `<p class="host">${escapeHtml(benchHostLine(result))}</p>`,
    '<h2>Options</h2>',
    optionsList(result),
    '<h2>Charts</h2>',
    `<figure id="throughput">${inlineSvg(charts.throughput, 'Throughput in GB/s against folio size, one line per copy path')}` +
      '<figcaption>Throughput against folio size (log-2 axis), one line per path and thread or channel count; measured solid, modelled dashed.</figcaption></figure>',
    `<figure id="speedup">${inlineSvg(charts.speedup, 'Speedup over legacy against threads or DMA channels')}` +
      '<figcaption>Speedup over legacy against the number of threads (mtcopy) or DMA channels (dcbm), for the 2M and 4K folio rows.</figcaption></figure>',
    '<h2>How to read this</h2>',
    howToRead(result),
    '<h2>Results</h2>',
    resultsTable(result),
  ];
  return htmlPage('pagemig bench report', body.join('\n'));
}
