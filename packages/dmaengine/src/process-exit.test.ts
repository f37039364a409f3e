import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const pkg = fileURLToPath(new URL('..', import.meta.url));

/** Runs a script (ESM or CJS) against the built package in a child process; returns its stdout. */
function run(source: string, type: 'module' | 'commonjs'): string {
  const args = type === 'module' ? ['--input-type=module', '-e', source] : ['-e', source];
  // The timeout only guards against a hang (the bug this test looks for); it is not a measurement.
  return execFileSync(process.execPath, args, { cwd: pkg, encoding: 'utf8', timeout: 60_000 });
}

const body = (load: string) => `
${load}
const { PhysMem } = mm;
const phys = new PhysMem([{ size: 4 << 20 }, { size: 4 << 20 }], 4 << 20);
const engine = new d.DmaEngine();
const dev = d.createSoftwareDmaDevice(engine, { phys, channels: 2 });
const chan = d.dmaRequestChanByMask(engine, d.dmaCapMask(d.DMA_MEMCPY));
phys.fill(0, 4096, 0x5a);
const tx = d.prepDmaMemcpy(chan, phys.nodeStartPfn[1] * 4096, 0, 4096, d.DMA_PREP_INTERRUPT);
tx.callback = () => {
  const out = new Uint8Array(4096);
  phys.read(phys.nodeStartPfn[1] * 4096, out);
  console.log('copied', out.every((b) => b === 0x5a), dev.workerRunning(chan));
};
d.dmaengineSubmit(tx);
d.dmaAsyncIssuePending(chan);
// no shutdown: an idle device must not keep the process alive
`;

describe('process lifetime', () => {
  it('an idle device does not keep an ESM process alive (no shutdown called)', () => {
    const out = run(body("const d = await import('@pagemig/dmaengine'); const mm = await import('@pagemig/mm');"), 'module');
    expect(out.trim()).toBe('copied true true');
  });

  it('works from CommonJS too (the worker is found next to dist/index.cjs)', () => {
    const out = run(body("const d = require('@pagemig/dmaengine'); const mm = require('@pagemig/mm');"), 'commonjs');
    expect(out.trim()).toBe('copied true true');
  });
});
