/**
 * The migrator paths of the bench: `mtcopy` with N threads and `dcbm` with N channels, each
 * registered through the world's offload registry for its rows.
 */
import type { CopyPath } from './copy-paths';

/** Factories for the migrator paths that are available in this build. */
export function benchMigrators(): { mtcopy?: (threads: number) => CopyPath; dcbm?: (channels: number) => CopyPath } {
  return {};
}
