/**
 * Per-cgroup accounting of batch copies (the series' open question 4, "who pays for
 * migration"): for every memcg a migration ran on behalf of and every backend that copied for it
 * (a migrator by name, or `cpu` for the CPU default), the batches, folios and bytes it was
 * handed, what fell back to the per-folio CPU copy, and the device and CPU time charged.
 * Records are plain objects kept by the registry that owns this table; nothing is global.
 */

/** What one backend did for one memcg. */
export interface OffloadAccountRecord {
  /** Memcg id the batches ran on behalf of (`BatchCopyContext.memcg`). */
  memcg: number;
  /** Migrator name, or `cpu` for the CPU default. */
  migrator: string;
  /** Batches handed to the backend. */
  batches: number;
  /** Folios in those batches. */
  folios: number;
  /** Bytes in those batches. */
  bytes: number;
  /** Batches the backend did not copy completely (declined, failed or threw). */
  fallbackBatches: number;
  /** Folios of those batches left to the per-folio CPU copy. */
  fallbackFolios: number;
  /** Bytes of those folios. */
  fallbackBytes: number;
  /** Device time charged with `chargeTime(ctx, ns, 'device')`. */
  deviceNs: number;
  /** Worker CPU time charged with `chargeTime(ctx, ns, 'cpu')`, or measured for the CPU default. */
  cpuNs: number;
}

/** The memcg × backend table of one registry. */
export class OffloadAccounting {
  private readonly byMemcg = new Map<number, Map<string, OffloadAccountRecord>>();

  /** The live record of (`memcg`, `migrator`), created zeroed on first use. */
  record(memcg: number, migrator: string): OffloadAccountRecord {
    let row = this.byMemcg.get(memcg);
    if (row === undefined) {
      row = new Map();
      this.byMemcg.set(memcg, row);
    }
    let rec = row.get(migrator);
    if (rec === undefined) {
      rec = {
        memcg,
        migrator,
        batches: 0,
        folios: 0,
        bytes: 0,
        fallbackBatches: 0,
        fallbackFolios: 0,
        fallbackBytes: 0,
        deviceNs: 0,
        cpuNs: 0,
      };
      row.set(migrator, rec);
    }
    return rec;
  }

  /** Copies of every record, by memcg id, then by migrator name. */
  records(): OffloadAccountRecord[] {
    const out: OffloadAccountRecord[] = [];
    for (const memcg of [...this.byMemcg.keys()].sort((a, b) => a - b)) {
      const row = this.byMemcg.get(memcg)!;
      for (const name of [...row.keys()].sort()) out.push({ ...row.get(name)! });
    }
    return out;
  }

  /** Drops every record. */
  clear(): void {
    this.byMemcg.clear();
  }
}

/**
 * One line of the `accounting` sysfs file:
 * `memcg=/ id=1 migrator=cpu batches=2 folios=8 bytes=32768 fallback_batches=0 ...`.
 */
export function formatAccountRecord(rec: OffloadAccountRecord, memcgName: string): string {
  return (
    `memcg=${memcgName} id=${rec.memcg} migrator=${rec.migrator} batches=${rec.batches} folios=${rec.folios} ` +
    `bytes=${rec.bytes} fallback_batches=${rec.fallbackBatches} fallback_folios=${rec.fallbackFolios} ` +
    `fallback_bytes=${rec.fallbackBytes} device_ns=${Math.round(rec.deviceNs)} cpu_ns=${Math.round(rec.cpuNs)}`
  );
}
