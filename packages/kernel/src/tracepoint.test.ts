import { describe, expect, it } from 'vitest';
import { KernelError } from './kernel-error';
import { TraceRegistry, Tracepoint } from './tracepoint';

interface MigratePages {
  succeeded: number;
  failed: number;
  reason: string;
}

describe('Tracepoint', () => {
  it('is disabled without probes, so the payload is never built', () => {
    const tp = new Tracepoint<MigratePages>('mm_migrate_pages');
    let built = 0;
    const payload = (): MigratePages => {
      built++;
      return { succeeded: 1, failed: 0, reason: 'compaction' };
    };
    expect(tp.enabled).toBe(false);
    if (tp.enabled) tp.emit(payload());
    expect(built).toBe(0);

    const seen: MigratePages[] = [];
    const off = tp.subscribe((p) => seen.push(p));
    expect(tp.enabled).toBe(true);
    if (tp.enabled) tp.emit(payload());
    expect(built).toBe(1);
    expect(seen).toEqual([{ succeeded: 1, failed: 0, reason: 'compaction' }]);
    off();
    off(); // idempotent
    expect(tp.enabled).toBe(false);
  });

  it('delivers to every probe in order; unsubscribing one leaves the others', () => {
    const tp = new Tracepoint<number>('ev');
    const log: string[] = [];
    const offA = tp.subscribe((n) => log.push(`a${n}`));
    tp.subscribe((n) => log.push(`b${n}`));
    const probe = (n: number) => log.push(`c${n}`);
    const offC1 = tp.subscribe(probe);
    tp.subscribe(probe); // same function twice: two subscriptions
    tp.emit(1);
    offA();
    offC1();
    tp.emit(2);
    expect(log).toEqual(['a1', 'b1', 'c1', 'c1', 'b2', 'c2']);
    expect(tp.enabled).toBe(true);
  });

  it('a probe that unsubscribes during emit does not disturb that emit', () => {
    const tp = new Tracepoint<number>('ev');
    const log: number[] = [];
    const off = tp.subscribe(() => off());
    tp.subscribe((n) => log.push(n));
    tp.emit(7);
    tp.emit(8);
    expect(log).toEqual([7, 8]);
  });

  it('rejects bad names', () => {
    expect(() => new Tracepoint('Bad-Name')).toThrow(KernelError);
    expect(() => new Tracepoint('')).toThrow(KernelError);
  });
});

describe('TraceRegistry', () => {
  it('looks tracepoints up by name and refuses duplicates', () => {
    const reg = new TraceRegistry();
    const start = reg.define<{ mode: string }>('mm_migrate_pages_start');
    reg.define<MigratePages>('mm_migrate_pages');
    expect(reg.get('mm_migrate_pages_start')).toBe(start);
    expect(reg.get('nope')).toBeUndefined();
    expect(reg.names()).toEqual(['mm_migrate_pages', 'mm_migrate_pages_start']);
    expect(() => reg.define('mm_migrate_pages')).toThrow(expect.objectContaining({ code: 'EEXIST' }));
  });

  it('subscribeAll records present and future tracepoints until stopped', () => {
    const reg = new TraceRegistry();
    const a = reg.define<number>('a');
    const rec: [string, unknown][] = [];
    const stop = reg.subscribeAll((name, payload) => rec.push([name, payload]));
    const b = reg.define<string>('b');
    expect(a.enabled && b.enabled).toBe(true);
    a.emit(1);
    b.emit('x');
    stop();
    stop();
    expect(a.enabled || b.enabled).toBe(false);
    a.emit(2);
    reg.define<number>('c').emit(3);
    expect(rec).toEqual([
      ['a', 1],
      ['b', 'x'],
    ]);
  });

  it('two recorders with the same function are independent', () => {
    const reg = new TraceRegistry();
    const tp = reg.define<number>('t');
    const rec: unknown[] = [];
    const probe = (_: string, p: unknown) => rec.push(p);
    const stop1 = reg.subscribeAll(probe);
    reg.subscribeAll(probe);
    tp.emit(1);
    stop1();
    tp.emit(2);
    expect(rec).toEqual([1, 1, 2]);
  });
});
