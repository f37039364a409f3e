/** Test helpers shared by pagemig's migrator packages (private; used as a devDependency). */
export { firstBadByte, makeRegion, migrateRegion, patternByte, regionNodes } from './region';
export type { Region, RegionHost, RegionMigration } from './region';
export { tick, until } from './ticks';
