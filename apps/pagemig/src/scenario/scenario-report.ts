/**
 * The text report of `pagemig run`: a verdict line, the driver's steps with their time and what
 * they moved, throughput (measured and modelled), the vmstat delta (non-zero counters), the
 * offload registry's per-memcg accounting, batch provenance by backend and outcome, where each
 * region ended up and the workload threads. `--json` prints the result object instead.
 */
import { formatSize } from '@pagemig/folio';
import type { RunResult } from './scenario-run';

const ms = (ns: number) => `${(ns / 1e6).toFixed(ns < 1e7 ? 2 : 1)} ms`;
const mbps = (x: number) => `${x.toFixed(x < 10 ? 2 : 0)} MB/s`;

function table(rows: string[][], indent = '  '): string[] {
  if (rows.length === 0) return [];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => `${indent}${r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  ')}`.trimEnd());
}

/** The report as lines of text. */
export function formatRunReport(r: RunResult): string {
  const out: string[] = [];
  const verdict = r.ok ? 'verified' : 'FAILED';
  out.push(
    `scenario ${r.scenario}: ${verdict} (${r.regions.length} region(s) checked byte for byte, ${r.threads.length} thread(s), ` +
      `invariants ${r.invariants.length === 0 ? 'hold' : `violated x${r.invariants.length}`})`,
  );
  for (const p of r.problems) out.push(`  problem: ${p}`);
  out.push('', 'driver:');
  if (r.steps.length === 0) out.push('  (no steps)');
  out.push(
    ...table([
      ['#', 'step', 'time', 'migrated', 'failed', 'detail'],
      ...r.steps.map((s) => [String(s.index + 1), s.label, ms(s.wallNs), `${s.pagesMigrated} pages`, String(s.pagesFailed), s.detail]),
    ]),
  );
  out.push('');
  const thp = r.moved.thpMigrated > 0 ? `, ${r.moved.thpMigrated} THP` : '';
  out.push(`moved: ${r.moved.pages} base pages (${formatSize(r.moved.bytes)})${thp}, ${r.moved.failedPages} failed; run ${ms(r.wallNs)}, driver ${ms(r.driverNs)}`);
  out.push(`throughput: ${mbps(r.throughput.measuredMBps)} measured (wall clock of the driver steps)`);
  const m = r.throughput.modelled;
  if (m !== null) out.push(`            ${mbps(m.MBps)} modelled (preset ${m.preset}: ${ms(m.totalNs)} of virtual time)`);
  out.push('', 'vmstat delta:');
  const counters = Object.entries(r.vmstat);
  if (counters.length === 0) out.push('  (no counter moved)');
  out.push(...table(counters.map(([k, v]) => [k, String(v)])));
  out.push('', 'offload accounting (per memcg):');
  if (r.accounting.length === 0) out.push('  (no batch reached the seam)');
  out.push(
    ...table([
      ['memcg', 'backend', 'batches', 'folios', 'bytes', 'fallback', 'device', 'cpu'],
      ...r.accounting.map((a) => [a.memcg, a.migrator, String(a.batches), String(a.folios), formatSize(a.bytes), `${a.fallbackBatches}/${a.fallbackFolios}`, ms(a.deviceNs), ms(a.cpuNs)]),
    ]).slice(r.accounting.length === 0 ? 1 : 0),
  );
  out.push('', 'batch provenance:');
  if (r.provenance.length === 0) out.push('  (none)');
  else {
    out.push(
      ...table([
        ['backend', 'outcome', 'batches', 'folios', 'bytes'],
        ...r.provenance.map((p) => [p.migrator, p.outcome, String(p.batches), String(p.folios), formatSize(p.bytes)]),
      ]),
    );
  }
  out.push('', 'regions:');
  out.push(
    ...table(
      r.regions.map((g) => [
        `${g.process}/${g.region}`,
        g.kind,
        formatSize(g.size),
        g.nodes.map((n, i) => (n > 0 ? `N${i}=${n}` : '')).filter(Boolean).join(' ') || '(nothing mapped)',
        Object.entries(g.folioSizes).map(([k, v]) => `${v}x${k}`).join(' '),
        g.verified ? 'verified' : `WRONG: ${g.problem ?? ''}`,
      ]),
    ),
  );
  if (r.threads.length > 0) {
    out.push('', 'threads:');
    out.push(
      ...table(r.threads.map((t) => [t.name, `cpu ${t.cpu}`, t.pattern, t.region, `${t.ops} ops`, t.error ?? (t.readMismatches > 0 ? `${t.readMismatches} wrong reads` : 'ok')])),
    );
  }
  if (r.traceDropped > 0) out.push('', `trace: ${r.traceDropped} per-folio events left out (recording limit)`);
  return `${out.join('\n')}\n`;
}
