import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { EACCES, EINVAL } from './errno';
import { KernelError } from './kernel-error';
import { configureFaultAttr, createFaultAttr, shouldFail } from './fault-inject';
import { Prng } from './prng';
import { SysfsTree } from './sysfs';

function run(attr: ReturnType<typeof createFaultAttr>, calls: number, size = 1): boolean[] {
  return Array.from({ length: calls }, () => shouldFail(attr, size));
}

const configArb = fc.record({
  probability: fc.integer({ min: 0, max: 100 }),
  interval: fc.integer({ min: 1, max: 6 }),
  times: fc.integer({ min: -1, max: 8 }),
  space: fc.integer({ min: 0, max: 40 }),
  seed: fc.integer({ min: 0, max: 0xffffffff }),
});
const sizesArb = fc.array(fc.integer({ min: 0, max: 10 }), { maxLength: 80 });

describe('fault injection', () => {
  it('uses the kernel defaults: probability 0 never fails', () => {
    const attr = createFaultAttr('fail_page_alloc');
    expect(attr).toMatchObject({ probability: 0, interval: 1, times: 1, space: 0, verbose: 2, failures: 0, dir: undefined });
    expect(run(attr, 1000).some(Boolean)).toBe(false);
    expect(attr.failures).toBe(0);
  });

  it('probability 0 counts nothing: space is not consumed', () => {
    const attr = createFaultAttr('f', { space: 100 });
    run(attr, 10, 5);
    expect(attr.space).toBe(100);
  });

  it('times limits the number of failures; -1 means no limit', () => {
    const limited = createFaultAttr('f', { probability: 100, times: 3 });
    expect(run(limited, 6)).toEqual([true, true, true, false, false, false]);
    expect(limited.times).toBe(0);
    expect(limited.failures).toBe(3);
    const unlimited = createFaultAttr('g', { probability: 100, times: -1 });
    expect(run(unlimited, 50).every(Boolean)).toBe(true);
    expect(unlimited.times).toBe(-1);
    expect(unlimited.failures).toBe(50);
  });

  it('interval fails only every Nth call', () => {
    const attr = createFaultAttr('f', { probability: 100, times: -1, interval: 3 });
    expect(run(attr, 9)).toEqual([false, false, true, false, false, true, false, false, true]);
  });

  it('space lets bytes through first (strictly more than size), and space is checked before interval', () => {
    const attr = createFaultAttr('f', { probability: 100, times: -1, space: 10 });
    // 10 > 3 → 7, 7 > 3 → 4, 4 > 3 → 1, then 1 <= 3: fail.
    expect(run(attr, 5, 3)).toEqual([false, false, false, true, true]);
    expect(attr.space).toBe(1);
    const both = createFaultAttr('g', { probability: 100, times: -1, space: 4, interval: 2 });
    // Call 1 consumes space (4 > 2 → 2); only then does the interval start counting (calls 2, 3, ...).
    expect(run(both, 8, 2)).toEqual([false, false, true, false, true, false, true, false]);
  });

  it('times exhausted is checked before space', () => {
    const attr = createFaultAttr('f', { probability: 100, times: 0, space: 10 });
    run(attr, 3, 2);
    expect(attr.space).toBe(10);
  });

  it('probability is honoured over many calls (seeded, within 4 standard deviations)', () => {
    for (const p of [1, 30, 50, 99]) {
      const attr = createFaultAttr('f', { probability: p, times: -1, seed: 42 });
      const n = 20000;
      const fails = run(attr, n).filter(Boolean).length;
      const sd = Math.sqrt((n * p * (100 - p)) / 10000);
      expect(Math.abs(fails - (n * p) / 100)).toBeLessThan(4 * sd);
    }
  });

  test.prop([fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 1, max: 100 })])(
    'an eligible call fails exactly when the point\'s PRNG draws below(100) < probability',
    (seed, probability) => {
      const attr = createFaultAttr('p', { probability, times: -1, seed });
      const prng = new Prng(seed);
      for (let i = 0; i < 200; i++) expect(shouldFail(attr, 1)).toBe(prng.below(100) < probability);
    },
  );

  it('same seed → same failures; another seed → another pattern; default seeds differ by name', () => {
    const pattern = (seed?: number, name = 'fail_dma') =>
      run(createFaultAttr(name, { probability: 50, times: -1, ...(seed === undefined ? {} : { seed }) }), 200)
        .map((b) => (b ? '1' : '0'))
        .join('');
    expect(pattern(7)).toBe(pattern(7));
    expect(pattern(7)).not.toBe(pattern(8));
    expect(pattern()).toBe(pattern());
    expect(pattern(undefined, 'fail_a')).not.toBe(pattern(undefined, 'fail_b'));
  });

  test.prop([configArb, sizesArb])('reproducible and consistent for any knobs', (config, sizes) => {
    const a = createFaultAttr('p', config);
    const b = createFaultAttr('p', config);
    const ra = sizes.map((s) => shouldFail(a, s));
    const rb = sizes.map((s) => shouldFail(b, s));
    expect(ra).toEqual(rb);
    const fails = ra.filter(Boolean).length;
    expect(a.failures).toBe(fails);
    if (config.times >= 0) {
      expect(fails).toBeLessThanOrEqual(config.times);
      expect(a.times).toBe(config.times - fails);
    } else expect(a.times).toBe(-1);
    if (config.probability === 0) {
      expect(fails).toBe(0);
      expect(a.space).toBe(config.space);
    }
    expect(a.space).toBeGreaterThanOrEqual(0);
  });

  test.prop([fc.integer({ min: 0, max: 40 }), sizesArb])(
    'with probability 100 and interval 1, a call fails exactly when space <= size',
    (space, sizes) => {
      const attr = createFaultAttr('p', { probability: 100, times: -1, space });
      let left = space;
      for (const size of sizes) {
        const expectFail = !(left > size);
        if (!expectFail) left -= size;
        expect(shouldFail(attr, size)).toBe(expectFail);
      }
    },
  );

  test.prop([fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 60 })])(
    'with probability 100, interval N fails on calls N, 2N, ...',
    (interval, calls) => {
      const attr = createFaultAttr('p', { probability: 100, times: -1, interval });
      run(attr, calls).forEach((failed, i) => expect(failed).toBe((i + 1) % interval === 0));
    },
  );

  it('logs like fail_dump() when verbose and a log is given', () => {
    const lines: string[] = [];
    const attr = createFaultAttr('fail_page_alloc', { probability: 100, times: 2, verbose: 1, log: (m) => lines.push(m) });
    shouldFail(attr, 1);
    expect(lines).toEqual(['FAULT_INJECTION: forcing a failure.\nname fail_page_alloc, interval 1, probability 100, space 0, times 2']);
    configureFaultAttr(attr, { verbose: 2 });
    shouldFail(attr, 1);
    expect(lines[1]?.split('\n').length).toBeGreaterThan(2); // plus a stack trace
    configureFaultAttr(attr, { verbose: 0, times: 1 });
    shouldFail(attr, 1);
    expect(lines).toHaveLength(2);
  });

  it('configure validates everything first and changes nothing on error', () => {
    const attr = createFaultAttr('f', { probability: 10 });
    expect(() => configureFaultAttr(attr, { probability: 50, interval: 0 })).toThrow(KernelError);
    expect(() => configureFaultAttr(attr, { probability: 101 })).toThrow(/probability 101 is invalid; accepted: an integer from 0 to 100/);
    expect(() => configureFaultAttr(attr, { times: -2 })).toThrow(KernelError);
    expect(() => configureFaultAttr(attr, { space: 1.5 })).toThrow(KernelError);
    expect(() => configureFaultAttr(attr, { bogus: 1 } as never)).toThrow(/unknown knob/);
    expect(attr).toMatchObject({ probability: 10, interval: 1, times: 1, space: 0 });
    expect(() => createFaultAttr('bad name')).toThrow(KernelError);
    expect(() => createFaultAttr('f', { verbose: 3 })).toThrow(KernelError);
  });
});

describe('fault injection knobs in sysfs', () => {
  it('creates /sys/kernel/debug/<name>/ with the knobs', async () => {
    const sysfs = new SysfsTree();
    const attr = createFaultAttr('fail_page_alloc', { sysfs });
    const dir = '/sys/kernel/debug/fail_page_alloc';
    expect(attr.dir).toBe(dir);
    expect(sysfs.list(dir)).toEqual(['failures', 'interval', 'probability', 'seed', 'space', 'times', 'verbose']);
    expect(sysfs.read(`${dir}/probability`)).toBe('0\n');
    expect(sysfs.read(`${dir}/times`)).toBe('1\n');
    expect(sysfs.read(`${dir}/verbose`)).toBe('2\n');
    expect(sysfs.read(`${dir}/seed`)).toBe(`${attr.seed}\n`);
    expect(await sysfs.write(`${dir}/probability`, '100\n')).toBe(4);
    expect(await sysfs.write(`${dir}/times`, '-1\n')).toBe(3);
    expect(await sysfs.write(`${dir}/interval`, '2')).toBe(1);
    expect(attr).toMatchObject({ probability: 100, times: -1, interval: 2 });
    run(attr, 4);
    expect(sysfs.read(`${dir}/failures`)).toBe('2\n');
    expect(await sysfs.write(`${dir}/failures`, '0')).toBe(-EACCES);
  });

  it('a bad write keeps the old value and explains itself', async () => {
    const sysfs = new SysfsTree();
    const attr = createFaultAttr('fail_dma', { sysfs, parent: '/debug', probability: 5 });
    const dir = '/debug/fail_dma';
    for (const [knob, bad] of [
      ['probability', '101'],
      ['probability', '-1'],
      ['interval', '0'],
      ['times', '-2'],
      ['space', 'lots'],
      ['verbose', '3'],
      ['seed', '4294967296'],
    ] as const) {
      const before = sysfs.read(`${dir}/${knob}`);
      expect(await sysfs.write(`${dir}/${knob}`, bad), `${knob}=${bad}`).toBeLessThan(0);
      expect(sysfs.read(`${dir}/${knob}`)).toBe(before);
    }
    expect(await sysfs.write(`${dir}/probability`, '101')).toBe(-EINVAL);
    await expect(sysfs.writeOrThrow(`${dir}/probability`, '101')).rejects.toThrow(
      '/debug/fail_dma/probability: "101" is out of range; accepted: an integer from 0 to 100',
    );
    expect(attr.probability).toBe(5);
  });

  it('writing seed restarts the random sequence', async () => {
    const sysfs = new SysfsTree();
    const attr = createFaultAttr('f', { sysfs, probability: 50, times: -1 });
    expect(await sysfs.write('/sys/kernel/debug/f/seed', '1234')).toBe(4);
    const first = run(attr, 100);
    expect(await sysfs.write('/sys/kernel/debug/f/seed', '1234')).toBe(4);
    expect(run(attr, 100)).toEqual(first);
    expect(run(createFaultAttr('other', { probability: 50, times: -1, seed: 1234 }), 100)).toEqual(first);
  });
});
