/**
 * @pagemig/kernel: the kernel primitives the upper layers of pagemig build on: errno values and
 * the KernelError class, module references, SRCU, static keys and calls, a virtual sysfs,
 * tracepoints, clocks, a seeded PRNG, fault injection and event counters. Each is small and mirrors
 * the Linux facility of the same name. There is no global state: every tree, registry, key and
 * counter set is an object the caller creates and passes around.
 */
export {
  ERRNO,
  EPERM,
  ENOENT,
  ESRCH,
  EINTR,
  EIO,
  ENXIO,
  E2BIG,
  EBADF,
  EAGAIN,
  ENOMEM,
  EACCES,
  EFAULT,
  EBUSY,
  EEXIST,
  EXDEV,
  ENODEV,
  ENOTDIR,
  EISDIR,
  EINVAL,
  ENOSPC,
  EROFS,
  ERANGE,
  EDEADLK,
  ENAMETOOLONG,
  ENOSYS,
  ENODATA,
  ETIME,
  EOVERFLOW,
  EOPNOTSUPP,
  ETIMEDOUT,
  EALREADY,
  EINPROGRESS,
  ECANCELED,
  EHWPOISON,
  EWOULDBLOCK,
  errnoName,
  isErrnoName,
  strerror,
  formatErrno,
} from './errno';
export type { ErrnoName } from './errno';
export { KernelError } from './kernel-error';

export {
  MODULE_NAME_MAX,
  createModule,
  tryModuleGet,
  modulePut,
  moduleRefcount,
  moduleIsLive,
  deleteModule,
} from './module';
export type { Module, ModuleState, ModuleOptions, DeleteModuleOptions } from './module';

export { createSrcuStruct, srcuReadLock, srcuReadUnlock, synchronizeSrcu, srcuReadersActive } from './srcu';
export type { SrcuStruct, SrcuToken } from './srcu';

export {
  defineStaticKeyFalse,
  defineStaticKeyTrue,
  staticKeyEnable,
  staticKeyDisable,
  staticKeyEnabled,
  staticBranchLikely,
  staticBranchUnlikely,
  watchStaticKey,
} from './static-key';
export type { StaticKey, StaticChange, StaticChangeListener } from './static-key';
export { defineStaticCall, staticCallUpdate, staticCall, staticCallQuery, watchStaticCall } from './static-call';
export type { StaticCall, StaticCallTarget } from './static-call';

export { SysfsTree, sysfsMode } from './sysfs';
export type { SysfsAttribute, SysfsMode, SysfsModeName, SysfsShow, SysfsStore, SysfsStat } from './sysfs';
export {
  kstrtobool,
  kstrtouint,
  boolAttribute,
  uintAttribute,
  intAttribute,
  enumAttribute,
  counterAttribute,
} from './sysfs-attributes';
export type {
  SetResult,
  ValueAttributeOptions,
  IntegerAttributeOptions,
  EnumAttributeOptions,
  CounterAttributeOptions,
} from './sysfs-attributes';

export { Tracepoint, TraceRegistry } from './tracepoint';
export type { TraceProbe, TraceAllProbe } from './tracepoint';

export { MonotonicClock, VirtualClock } from './clock';
export type { Clock } from './clock';

export { Prng } from './prng';

export { createFaultAttr, configureFaultAttr, shouldFail } from './fault-inject';
export type { FaultAttr, FaultAttrConfig, FaultAttrOptions } from './fault-inject';

export { EventCounters } from './event-counters';
export type { EventSnapshot } from './event-counters';
