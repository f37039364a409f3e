import { describe, it, expect } from 'vitest';
import { OffloadAccounting, formatAccountRecord } from './offload-accounting';

describe('OffloadAccounting', () => {
  it('keeps one live record per memcg × migrator, listed by memcg id then name', () => {
    const t = new OffloadAccounting();
    t.record(3, 'dcbm').batches++;
    t.record(1, 'mtcopy').folios += 4;
    t.record(1, 'cpu').bytes += 4096;
    t.record(3, 'dcbm').batches++;
    expect(t.records().map((r) => `${r.memcg}/${r.migrator}`)).toEqual(['1/cpu', '1/mtcopy', '3/dcbm']);
    expect(t.records()[2]!.batches).toBe(2);
    t.records()[2]!.batches = 99;
    expect(t.record(3, 'dcbm').batches).toBe(2);
    t.clear();
    expect(t.records()).toEqual([]);
  });

  it('formats one line per record with every field', () => {
    const t = new OffloadAccounting();
    const r = t.record(2, 'dcbm');
    Object.assign(r, { batches: 1, folios: 8, bytes: 32768, fallbackBatches: 1, fallbackFolios: 4, fallbackBytes: 16384, deviceNs: 1500.4, cpuNs: 10 });
    expect(formatAccountRecord(r, '/tenant')).toBe(
      'memcg=/tenant id=2 migrator=dcbm batches=1 folios=8 bytes=32768 fallback_batches=1 fallback_folios=4 fallback_bytes=16384 device_ns=1500 cpu_ns=10',
    );
  });
});
