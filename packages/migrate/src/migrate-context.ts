/**
 * What one `migratePages()` call carries down to every folio: the engine, the allocation
 * callbacks, mode and reason, the caller's memcg and hint. Created once per call, so the
 * per-folio functions take one argument instead of nine and allocate nothing.
 */
import { ROOT_MEMCG, type System } from '@pagemig/mm';
import type { MigrateMode, MigrateReason } from '@pagemig/folio';
import type { MigrateEngine } from './engine';
import type { MigrateCall, NewFolioFn, OffloadHint, PutNewFolioFn } from './types';

/** The state of one migration call. */
export class MigrateContext {
  readonly eng: MigrateEngine;
  readonly sys: System;
  readonly getNew: NewFolioFn;
  readonly putNew: PutNewFolioFn | null;
  readonly reason: MigrateReason;
  readonly memcg: number;
  readonly hint: OffloadHint;
  readonly pfMemalloc: boolean;
  /** Mode of the pass running now (SYNC calls run ASYNC batch passes first). */
  mode: MigrateMode;
  /** Destination allocated by the last `migrateFolioUnmap()` (the kernel's `*dstp`). */
  dst = -1;

  constructor(eng: MigrateEngine, getNew: NewFolioFn, putNew: PutNewFolioFn | null, call: MigrateCall) {
    this.eng = eng;
    this.sys = eng.sys;
    this.getNew = getNew;
    this.putNew = putNew;
    this.mode = call.mode;
    this.reason = call.reason;
    this.memcg = call.memcg ?? ROOT_MEMCG;
    this.hint = call.hint ?? 'default';
    this.pfMemalloc = call.pfMemalloc ?? false;
  }

  /** Frees an unused destination (`put_new_folio` or `folio_put()`). */
  putDst(dst: number): void {
    if (this.putNew !== null) this.putNew(dst);
    else this.sys.alloc.folioPut(dst);
  }
}
