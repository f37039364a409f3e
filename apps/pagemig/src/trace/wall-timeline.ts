/**
 * The measured timeline: recorded tracepoints with their wall-clock stamps turned into spans.
 * `mm_migrate_pages_start` … `mm_migrate_pages` is a migrate_pages() call, a batch copy runs
 * from `migrate_batch_copy_start` to `_end` (same batchId), a DMA descriptor from its submit
 * (or the previous completion on its channel, whichever is later) to its completion, an mtcopy
 * slice for its measured busy time from the batch's dispatch; offload outcomes and TLB flushes
 * are instants; pages migrated and CPU fallback copies are counters.
 */
import { MIGRATE_REASON_NAMES } from '@pagemig/folio';
import { packLanes, type Timeline, type TimelineCounter, type TimelineInstant, type TimelineSpan } from './timeline';
import type { TraceRecord } from './trace-recorder';

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const reasonName = (r: unknown): string => MIGRATE_REASON_NAMES[num(r)] ?? String(r);

/** Builds the wall-clock timeline of a recording. */
export function wallTimeline(records: readonly TraceRecord[]): Timeline {
  const spans: TimelineSpan[] = [];
  const instants: TimelineInstant[] = [];
  const counters: TimelineCounter[] = [];
  const openMigrate: { ns: number; key: string }[] = [];
  const openBatch = new Map<number, { ns: number; count: number; bytes: number }>();
  const openDesc = new Map<string, number>();
  const lastDone = new Map<string, number>();
  const dispatched = new Map<number, number>();
  const openStep = new Map<number, { ns: number; kind: string; label: string }>();
  const openThread = new Map<string, number>();
  let migrated = 0;
  let fallbacks = 0;
  let endNs = 0;
  for (const r of records) {
    const p = r.payload;
    endNs = Math.max(endNs, r.ns);
    switch (r.name) {
      case 'pagemig_step': {
        const index = num(p.index);
        if (p.phase === 'begin') openStep.set(index, { ns: r.ns, kind: String(p.kind), label: String(p.label ?? p.kind) });
        else {
          const open = openStep.get(index);
          if (open !== undefined) {
            openStep.delete(index);
            spans.push({ lane: 'driver:steps', name: open.label, startNs: open.ns, durNs: r.ns - open.ns, args: { step: index + 1, kind: open.kind } });
          }
        }
        break;
      }
      case 'pagemig_thread': {
        const name = String(p.thread);
        if (p.phase === 'begin') openThread.set(name, r.ns);
        else {
          const start = openThread.get(name) ?? 0;
          openThread.delete(name);
          spans.push({ lane: `workload:${name}`, name: String(p.pattern ?? 'run'), startNs: start, durNs: r.ns - start, args: { ops: num(p.ops) } });
        }
        break;
      }
      case 'mm_migrate_pages_start':
        openMigrate.push({ ns: r.ns, key: `${num(p.mode)}/${num(p.reason)}` });
        break;
      case 'mm_migrate_pages': {
        const key = `${num(p.mode)}/${num(p.reason)}`;
        let i = openMigrate.length - 1;
        while (i >= 0 && openMigrate[i]!.key !== key) i--;
        const start = i >= 0 ? openMigrate.splice(i, 1)[0]!.ns : r.ns;
        spans.push({
          lane: 'cpu:migrate_pages',
          name: `migrate_pages ${reasonName(p.reason)}`,
          startNs: start,
          durNs: r.ns - start,
          args: { succeeded: num(p.succeeded), failed: num(p.failed), thpSucceeded: num(p.thpSucceeded), thpSplit: num(p.thpSplit) },
        });
        migrated += num(p.succeeded);
        counters.push({ name: 'pages migrated', atNs: r.ns, values: { pages: migrated } });
        break;
      }
      case 'migrate_batch_copy_start':
        openBatch.set(num(p.batchId), { ns: r.ns, count: num(p.count), bytes: num(p.bytes) });
        break;
      case 'migrate_batch_copy_end': {
        const id = num(p.batchId);
        const open = openBatch.get(id);
        if (open === undefined) break;
        openBatch.delete(id);
        spans.push({ lane: 'cpu:batch_copy', name: `batch ${id}`, startNs: open.ns, durNs: r.ns - open.ns, args: { folios: open.count, bytes: open.bytes, rc: num(p.rc) } });
        break;
      }
      case 'migrate_offload_batch':
        instants.push({ lane: 'cpu:batch_copy', name: `${String(p.migrator)} ${String(p.outcome)}`, atNs: r.ns, args: { batchId: num(p.batchId), rc: num(p.rc) } });
        break;
      case 'migrate_folio_copy':
        if (p.fallback === true) {
          fallbacks++;
          counters.push({ name: 'fallback copies', atNs: r.ns, values: { folios: fallbacks } });
        }
        break;
      case 'mm_tlb_flush':
        instants.push({ lane: 'cpu:tlb', name: 'tlb flush', atNs: r.ns, args: { batched: p.batched === true, cpus: num(p.cpus), pages: num(p.pages) } });
        break;
      case 'dma_desc_submit':
        openDesc.set(`${String(p.chan)}/${num(p.cookie)}`, r.ns);
        break;
      case 'dma_desc_complete': {
        const chan = String(p.chan);
        const key = `${chan}/${num(p.cookie)}`;
        const submitted = openDesc.get(key) ?? r.ns;
        openDesc.delete(key);
        const start = Math.min(r.ns, Math.max(submitted, lastDone.get(chan) ?? 0));
        lastDone.set(chan, r.ns);
        spans.push({ lane: `dma:${chan}`, name: `memcpy ${num(p.len)}`, startNs: start, durNs: r.ns - start, args: { cookie: num(p.cookie), result: num(p.result), residue: num(p.residue) } });
        break;
      }
      case 'dma_issue_pending':
        instants.push({ lane: `dma:${String(p.chan)}`, name: 'issue_pending', atNs: r.ns, args: { count: num(p.count) } });
        break;
      case 'mtcopy_dispatch':
        dispatched.set(num(p.batchId), r.ns);
        instants.push({ lane: 'cpu:batch_copy', name: `mtcopy dispatch x${num(p.threads)}`, atNs: r.ns, args: { batchId: num(p.batchId), bytes: num(p.bytes) } });
        break;
      case 'mtcopy_slice': {
        const start = dispatched.get(num(p.batchId)) ?? r.ns;
        spans.push({ lane: `mtcopy:thread${num(p.thread)}`, name: `slice ${num(p.batchId)}`, startNs: start, durNs: num(p.cpuNs), args: { bytes: num(p.bytes) } });
        break;
      }
      default:
        break;
    }
  }
  for (const s of spans) endNs = Math.max(endNs, s.startNs + s.durNs);
  return packLanes({ clock: 'wall', lanes: [], spans, instants, counters, endNs });
}
