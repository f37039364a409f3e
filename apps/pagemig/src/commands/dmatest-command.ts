/**
 * `pagemig dmatest`: the kernel's dmatest over pagemig's software DMA device, with the module
 * parameters as options (`--iterations`, `--threads-per-chan`, `--max-channels`,
 * `--test-buf-size`, `--transfer-size`, `--alignment`, `--norandom`, `--noverify`, `--polled`,
 * `--timeout`), the device's channel count and seed, and fault or planted-bug injection to show
 * the verifier at work. Prints dmatest's lines; exits 1 when any test failed.
 */
import { Command, Option } from '@commander-js/extra-typings';
import { z } from 'zod';
import { DMA_FAULT_KINDS, DmaEngine, checkDmaFaultSpec, createSoftwareDmaDevice, runDmatest, type DmaFaultSpec } from '@pagemig/dmaengine';
import { PhysMem } from '@pagemig/mm';
import { runtimeError, usageError } from '../cli-error';

/** Planted engine bugs (the completion claims success; only verification catches them). */
export const DMATEST_BUGS = ['short-copy', 'offset-slip', 'write-outside', 'src-overwrite'] as const;

const intOption = (name: string, min: number, max: number) =>
  z.string().transform((text, ctx) => {
    const n = Number(text);
    if (text.trim() === '' || !Number.isSafeInteger(n) || n < min || n > max) {
      ctx.addIssue({ code: 'custom', message: `${name} ${JSON.stringify(text)} is not accepted: give an integer from ${min} to ${max}` });
      return z.NEVER;
    }
    return n;
  });

/**
 * Parses a fault rule `kind[:key=value,...]` (keys nth, every, probability, times, channel,
 * bytes, stallMs; nth takes `a+b+c` for several descriptors). A bare kind hits every descriptor.
 */
export function parseDmaFaultRule(text: string, option = '--fault'): DmaFaultSpec {
  const [kind = '', rest] = text.split(':', 2) as [string, string | undefined];
  if (!(DMA_FAULT_KINDS as readonly string[]).includes(kind)) {
    throw usageError(`${option} ${JSON.stringify(text)}: kind ${JSON.stringify(kind)} is not accepted: give one of ${DMA_FAULT_KINDS.join(', ')}`);
  }
  const spec: Record<string, unknown> = { kind };
  const keys = ['nth', 'every', 'probability', 'times', 'channel', 'bytes', 'stallMs'];
  for (const part of (rest ?? '').split(',').filter((p) => p !== '')) {
    const [key = '', value = ''] = part.split('=', 2);
    if (!keys.includes(key)) throw usageError(`${option} ${JSON.stringify(text)}: ${JSON.stringify(key)} is not accepted: give ${keys.join(', ')} as key=value`);
    const numbers = value.split('+').map(Number);
    if (value === '' || numbers.some((n) => !Number.isFinite(n))) throw usageError(`${option} ${JSON.stringify(text)}: ${key}=${value} is not a number`);
    spec[key] = key === 'nth' && numbers.length > 1 ? numbers : numbers[0];
  }
  if (spec.nth === undefined && spec.every === undefined && spec.probability === undefined) spec.every = 1;
  try {
    checkDmaFaultSpec(spec as unknown as DmaFaultSpec);
  } catch (error) {
    throw usageError(`${option} ${JSON.stringify(text)}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return spec as unknown as DmaFaultSpec;
}

const optionsSchema = z.object({
  iterations: intOption('--iterations', 1, 1_000_000),
  threadsPerChan: intOption('--threads-per-chan', 1, 64),
  maxChannels: intOption('--max-channels', 0, 64),
  testBufSize: intOption('--test-buf-size', 1, 1 << 22),
  transferSize: intOption('--transfer-size', 0, 1 << 22),
  alignment: intOption('--alignment', -1, 22),
  timeout: intOption('--timeout', -1, 3_600_000),
  channels: intOption('--channels', 1, 64),
  seed: intOption('--seed', 0, 0xffffffff),
});

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Builds the `dmatest` command. */
export function dmatestCommand() {
  return new Command('dmatest')
    .description("dmatest (drivers/dma/dmatest.c) over the software DMA device: memcpy threads per channel copy random lengths between patterned buffers and verify every byte")
    .option('--iterations <n>', 'tests per thread (the module\'s 0 = infinite is not supported)', '100')
    .option('--threads-per-chan <n>', 'threads per channel', '1')
    .option('--max-channels <n>', 'channels to use at most (0 = all)', '0')
    .option('--test-buf-size <bytes>', 'bytes of each source and destination buffer', '16384')
    .option('--transfer-size <bytes>', 'fixed transfer length, lower than the buffer size (0 = random)', '0')
    .option('--alignment <n>', 'log2 alignment of lengths and offsets (-1 = the device\'s)', '-1')
    .option('--norandom', 'length = buffer size, offsets 0')
    .option('--noverify', 'skip the patterns and the verification')
    .option('--polled', 'no interrupt flag or callback: wait by polling, then terminate the channel')
    .option('--verbose', 'also print passing results')
    .option('--timeout <ms>', 'wait per transfer in ms (-1 = forever)', '3000')
    .option('--channels <n>', 'channels of the software DMA device', '2')
    .addOption(new Option('--completion-order <order>', 'completion order within a chain').choices(['in-order', 'out-of-order'] as const).default('in-order' as const))
    .option('--seed <n>', 'seed of the tests\' lengths and offsets and of the fault rules', '1')
    .option('--fault <rule>', `inject a fault: kind[:nth=N,every=K,probability=P,times=T,channel=C,bytes=B] (kinds: ${DMA_FAULT_KINDS.join(', ')}); repeatable`, collect, [] as string[])
    .option('--bug <kind>', `plant an engine bug the verifier must catch: ${DMATEST_BUGS.join(', ')} (optionally :every=K,...); repeatable`, collect, [] as string[])
    .action(async (raw) => {
      const parsed = optionsSchema.safeParse(raw);
      if (!parsed.success) throw usageError(parsed.error.issues[0]!.message);
      const o = parsed.data;
      const faults = [
        ...raw.fault.map((f) => parseDmaFaultRule(f, '--fault')),
        ...raw.bug.map((b) => {
          const kind = b.split(':', 1)[0]!;
          if (!(DMATEST_BUGS as readonly string[]).includes(kind)) throw usageError(`--bug ${JSON.stringify(b)}: give one of ${DMATEST_BUGS.join(', ')}`);
          return parseDmaFaultRule(b, '--bug');
        }),
      ];
      const phys = new PhysMem([{ size: 16 << 20 }, { size: 16 << 20 }], 4 << 20);
      const engine = new DmaEngine();
      const dev = createSoftwareDmaDevice(engine, { phys, channels: o.channels, faults, seed: o.seed, completionOrder: raw.completionOrder });
      let failures = 0;
      let tests = 0;
      try {
        await dev.startWorkers();
        const result = await runDmatest(
          engine,
          {
            iterations: o.iterations,
            threads_per_chan: o.threadsPerChan,
            max_channels: o.maxChannels,
            test_buf_size: o.testBufSize,
            transfer_size: o.transferSize,
            alignment: o.alignment,
            norandom: raw.norandom === true,
            noverify: raw.noverify === true,
            polled: raw.polled === true,
            verbose: raw.verbose === true,
            timeout: o.timeout,
            seed: o.seed,
          },
          { log: (line) => process.stdout.write(`${line}\n`), phys },
        );
        failures = result.failures;
        tests = result.tests;
        if (result.channels.length === 0) throw runtimeError('dmatest: no DMA_MEMCPY channel available');
        if (result.threads.some((t) => t.ret !== 0)) throw runtimeError('dmatest: a thread stopped at once: its parameters do not fit (see the lines above)');
      } finally {
        await dev.shutdown();
      }
      if (failures > 0) throw runtimeError(`dmatest: ${failures} of ${tests} tests failed`);
    });
}
