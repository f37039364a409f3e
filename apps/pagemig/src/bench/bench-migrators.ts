/**
 * The migrator paths of the bench: `mtcopy` with N threads and `dcbm` with N channels of a
 * PTDMA-like software DMA device, each loaded and registered through the world's offload
 * registry for its rows, and unloaded afterwards (workers included).
 */
import { DmaEngine, type SoftwareDmaDevice } from '@pagemig/dmaengine';
import { createDcbm } from '@pagemig/dcbm';
import { createMtcopy } from '@pagemig/mtcopy';
import { strerror } from '@pagemig/kernel';
import { runtimeError } from '../cli-error';
import { createPtdmaLikeDevice } from '../scenario/scenario-migrators';
import type { BenchWorld } from './bench-world';
import type { CopyPath } from './copy-paths';

/** Unloads a migrator. */
type Unload = () => Promise<unknown>;

async function enable(name: string, rc: Promise<number>, unload: Unload): Promise<void> {
  const code = await rc;
  if (code !== 0) {
    await unload();
    throw runtimeError(`${name}: registration failed: ${strerror(code)}`);
  }
}

/** Factories for the migrator paths; `maxChannels` sizes the DMA device of each world. */
export function benchMigrators(maxChannels = 16, seed = 1): { mtcopy: (threads: number) => CopyPath; dcbm: (channels: number) => CopyPath } {
  const devices = new WeakMap<BenchWorld, { dma: DmaEngine; device: SoftwareDmaDevice }>();
  const dmaOf = (world: BenchWorld) => {
    let entry = devices.get(world);
    if (entry === undefined) {
      const dma = new DmaEngine({ sysfs: world.sys.sysfs, trace: world.sys.trace });
      entry = { dma, device: createPtdmaLikeDevice(world.sys, dma, maxChannels, seed) };
      devices.set(world, entry);
    }
    return entry;
  };
  let lastWorld: BenchWorld | null = null;
  return {
    mtcopy: (threads) => {
      let unload: Unload = async () => {};
      return {
        path: 'mtcopy',
        workers: threads,
        enter: async (world) => {
          const driver = createMtcopy({ system: world.sys, offload: world.offload, threads });
          unload = () => driver.unload();
          await enable('mtcopy', driver.setOffloading(true), unload);
        },
        leave: async () => {
          await unload();
        },
      };
    },
    dcbm: (channels) => {
      let unload: Unload = async () => {};
      return {
        path: 'dcbm',
        workers: channels,
        enter: async (world) => {
          lastWorld = world;
          const driver = createDcbm({ system: world.sys, offload: world.offload, dma: dmaOf(world).dma, nrDmaChan: channels });
          unload = () => driver.unload();
          await enable('dcbm', driver.setOffloading(true), unload);
        },
        leave: async () => {
          await unload();
        },
        dispose: async () => {
          if (lastWorld !== null) await devices.get(lastWorld)?.device.shutdown();
          lastWorld = null;
        },
      };
    },
  };
}
