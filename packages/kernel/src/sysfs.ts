/**
 * A virtual sysfs: a tree of directories and attributes with `show()`/`store()` callbacks and
 * permission modes. Mirrors sysfs/kernfs as seen from user space (`cat` and `echo >`), plus the
 * driver side (`sysfs_create_file()`, `sysfs_create_group()`, `sysfs_remove_group()`).
 *
 * Conventions, as in Linux:
 * - `read()` returns the text `show()` produced, with a trailing newline added when missing.
 * - `store()` receives the written text with ONE trailing newline removed (`echo 1 >` writes "1\n").
 * - Kernel-style results: `read()` gives a string or `-errno`, `write()` resolves to the number of
 *   bytes written (UTF-8 length of the full value) or `-errno`. Writing a read-only attribute or
 *   reading a write-only one is `-EACCES`, a missing path is `-ENOENT`, a directory is `-EISDIR`.
 * - A store rejects input by throwing `KernelError` (its code is the errno, its message says what is
 *   accepted) or by returning a negative errno; it must not change state when it rejects.
 *   `writeOrThrow()` surfaces the message; `write()` only the number.
 * - Writes are asynchronous because a store may sleep (unregistering a migrator waits for an SRCU
 *   grace period); reads are synchronous. Concurrent writes are not serialised by the tree.
 *
 * Every `SysfsTree` is independent (there is no global `/sys`). Not modelled: owners, uids, binary
 * attributes, symlinks, poll/notify, the PAGE_SIZE limit on a write.
 */
import { EACCES, EINVAL, EISDIR, ENOENT, ENOTDIR, errnoName, strerror } from './errno';
import { KernelError } from './kernel-error';

/** Symbolic modes: `ro` = 0o444, `rw` = 0o644, `wo` = 0o200 (the usual sysfs choices). */
export type SysfsModeName = 'ro' | 'rw' | 'wo';

/** An attribute mode: an octal number (`0o644`) or one of the symbolic names. */
export type SysfsMode = number | SysfsModeName;

/** Produces the attribute's text; throw `KernelError` to make the read fail with its errno. */
export type SysfsShow = () => string;

/** Consumes a write (newline stripped); throw `KernelError` or return `-errno` to reject it. */
export type SysfsStore = (value: string) => void | number | Promise<void | number>;

/** What a driver declares for one attribute, like `struct kobj_attribute`. */
export interface SysfsAttribute {
  /** Permission bits: readable needs `show`, writable needs `store`. */
  readonly mode: SysfsMode;
  /** Called on read. */
  readonly show?: SysfsShow;
  /** Called on write. */
  readonly store?: SysfsStore;
}

/** What `stat()` reports about a path. */
export type SysfsStat = { readonly type: 'dir' } | { readonly type: 'attr'; readonly mode: number };

const MODE_BY_NAME: Record<SysfsModeName, number> = { ro: 0o444, rw: 0o644, wo: 0o200 };
const NAME_MAX = 255;

interface DirNode {
  readonly type: 'dir';
  readonly children: Map<string, Node>;
}

interface AttrNode {
  readonly type: 'attr';
  readonly mode: number;
  readonly show: SysfsShow | undefined;
  readonly store: SysfsStore | undefined;
}

type Node = DirNode | AttrNode;

/** Octal mode of a `SysfsMode`; throws EINVAL for anything that is not a sane attribute mode. */
export function sysfsMode(mode: SysfsMode): number {
  if (typeof mode === 'string') {
    if (!Object.hasOwn(MODE_BY_NAME, mode)) {
      throw new KernelError('EINVAL', `sysfs: mode "${String(mode)}" is unknown; accepted: ro, rw, wo or octal bits such as 0o644`);
    }
    return MODE_BY_NAME[mode];
  }
  if (!Number.isInteger(mode) || mode <= 0 || (mode & ~0o777) !== 0) {
    throw new KernelError('EINVAL', `sysfs: mode ${String(mode)} is invalid; accepted: permission bits within 0o777 with at least one set`);
  }
  if ((mode & 0o002) !== 0) {
    // VERIFY_OCTAL_PERMISSIONS(): sysfs attributes are never world-writable.
    throw new KernelError('EINVAL', `sysfs: mode 0o${mode.toString(8)} is world-writable; accepted: modes without the 0o002 bit`);
  }
  return mode;
}

function splitPath(path: string): string[] {
  return path.split('/').filter((part) => part.length > 0);
}

function checkName(name: string, path: string): void {
  if (name === '.' || name === '..' || name.includes('\0')) {
    throw new KernelError('EINVAL', `sysfs: "${path}" has the invalid component "${name}"; accepted: names other than ".", ".." without NUL`);
  }
  if (name.length > NAME_MAX) {
    throw new KernelError('ENAMETOOLONG', `sysfs: a component of "${path}" is ${name.length} characters long; accepted: at most ${NAME_MAX}`);
  }
}

function utf8Length(s: string): number {
  let bytes = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

function withPath(path: string, error: KernelError): KernelError {
  return new KernelError(error.code, `${path}: ${error.message}`, { cause: error });
}

function errorFor(path: string, rc: number, why?: string): KernelError {
  const code = errnoName(rc);
  const text = why === undefined ? strerror(rc) : `${strerror(rc)} (${why})`;
  if (code === undefined) return new KernelError('EINVAL', `${path}: failed with unknown error ${rc}`);
  return new KernelError(code, `${path}: ${text}`);
}

/** Outcome of one access: a kernel-style number plus, on failure, the error that explains it. */
type Outcome<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly rc: number; readonly error: KernelError };

function fail(path: string, rc: number, why?: string): { ok: false; rc: number; error: KernelError } {
  return { ok: false, rc, error: errorFor(path, rc, why) };
}

function rejected(path: string, error: KernelError): { ok: false; rc: number; error: KernelError } {
  return { ok: false, rc: -error.errno, error: withPath(path, error) };
}

/** One independent sysfs hierarchy (`/sys`, debugfs, ...); mirrors kernfs as used by sysfs. */
export class SysfsTree {
  private readonly root: DirNode = { type: 'dir', children: new Map() };

  private lookup(parts: readonly string[]): Node | undefined {
    let node: Node = this.root;
    for (const part of parts) {
      if (node.type !== 'dir') return undefined;
      const next: Node | undefined = node.children.get(part);
      if (next === undefined) return undefined;
      node = next;
    }
    return node;
  }

  /** Finds or plans the directory `parts`; throws ENOTDIR when a component is an attribute. */
  private checkDirPath(parts: readonly string[], path: string): void {
    let node: Node | undefined = this.root;
    for (const part of parts) {
      checkName(part, path);
      if (node === undefined || node.type !== 'dir') continue;
      node = node.children.get(part);
      if (node !== undefined && node.type !== 'dir') {
        throw new KernelError('ENOTDIR', `sysfs: cannot create "${path}": "${part}" is an attribute, not a directory`);
      }
    }
  }

  private ensureDir(parts: readonly string[], path: string): DirNode {
    this.checkDirPath(parts, path);
    let dir = this.root;
    for (const part of parts) {
      let next = dir.children.get(part);
      if (next === undefined) {
        next = { type: 'dir', children: new Map() };
        dir.children.set(part, next);
      }
      if (next.type !== 'dir') throw new KernelError('ENOTDIR', `sysfs: "${path}": "${part}" is not a directory`);
      dir = next;
    }
    return dir;
  }

  private static makeAttr(attr: SysfsAttribute, path: string): AttrNode {
    const mode = sysfsMode(attr.mode);
    if ((mode & 0o444) !== 0 && attr.show === undefined) {
      throw new KernelError('EINVAL', `sysfs: "${path}" is readable (0o${mode.toString(8)}) but has no show(); accepted: a show() or a write-only mode`);
    }
    if ((mode & 0o222) !== 0 && attr.store === undefined) {
      throw new KernelError('EINVAL', `sysfs: "${path}" is writable (0o${mode.toString(8)}) but has no store(); accepted: a store() or a read-only mode`);
    }
    return { type: 'attr', mode, show: attr.show, store: attr.store };
  }

  /** Creates a directory and any missing parents (`mkdir -p`); like `kobject_create_and_add()`. */
  mkdir(path: string): void {
    this.ensureDir(splitPath(path), path);
  }

  /** Creates one attribute, with missing parent directories; mirrors `sysfs_create_file()`. Throws EEXIST if taken. */
  createAttribute(path: string, attr: SysfsAttribute): void {
    const parts = splitPath(path);
    const name = parts.pop();
    if (name === undefined) throw new KernelError('EINVAL', `sysfs: cannot create an attribute at "${path}"; accepted: a path with a file name`);
    checkName(name, path);
    const node = SysfsTree.makeAttr(attr, path);
    this.checkDirPath(parts, path);
    const existing = this.lookup([...parts, name]);
    if (existing !== undefined) throw new KernelError('EEXIST', `sysfs: cannot create "${path}": it already exists`);
    this.ensureDir(parts, path).children.set(name, node);
  }

  /** Creates a directory holding several attributes, all or nothing; mirrors `sysfs_create_group()`. */
  createGroup(dir: string, attrs: Readonly<Record<string, SysfsAttribute>>): void {
    const parts = splitPath(dir);
    this.checkDirPath(parts, dir);
    const existing = this.lookup(parts);
    const nodes = new Map<string, AttrNode>();
    for (const [name, attr] of Object.entries(attrs)) {
      const path = `${dir.replace(/\/+$/, '')}/${name}`;
      if (name.includes('/')) throw new KernelError('EINVAL', `sysfs: group attribute name "${name}" contains "/"; accepted: plain file names`);
      checkName(name, path);
      if (existing?.type === 'dir' && existing.children.has(name)) {
        throw new KernelError('EEXIST', `sysfs: cannot create "${path}": it already exists`);
      }
      nodes.set(name, SysfsTree.makeAttr(attr, path));
    }
    const target = this.ensureDir(parts, dir);
    for (const [name, node] of nodes) target.children.set(name, node);
  }

  /** Removes the attributes of a group created with `createGroup()`; mirrors `sysfs_remove_group()`. 0 or -ENOENT. */
  removeGroup(dir: string, attrs: Readonly<Record<string, SysfsAttribute>>): number {
    const node = this.lookup(splitPath(dir));
    if (node === undefined) return -ENOENT;
    if (node.type !== 'dir') return -ENOTDIR;
    for (const name of Object.keys(attrs)) node.children.delete(name);
    return 0;
  }

  /** Removes an attribute or a whole directory subtree (a driver's group on unload). 0, -ENOENT or -EINVAL for `/`. */
  remove(path: string): number {
    const parts = splitPath(path);
    const name = parts.pop();
    if (name === undefined) return -EINVAL;
    const parent = this.lookup(parts);
    if (parent === undefined || parent.type !== 'dir' || !parent.children.delete(name)) return -ENOENT;
    return 0;
  }

  /** What is at `path`: a directory, an attribute and its mode, or `undefined`. */
  stat(path: string): SysfsStat | undefined {
    const node = this.lookup(splitPath(path));
    if (node === undefined) return undefined;
    return node.type === 'dir' ? { type: 'dir' } : { type: 'attr', mode: node.mode };
  }

  /** Names in a directory, sorted; `-ENOENT` if missing, `-ENOTDIR` for an attribute. Like `ls`. */
  list(path: string): string[] | number {
    const node = this.lookup(splitPath(path));
    if (node === undefined) return -ENOENT;
    if (node.type !== 'dir') return -ENOTDIR;
    return [...node.children.keys()].sort();
  }

  private readImpl(path: string): Outcome<string> {
    const node = this.lookup(splitPath(path));
    if (node === undefined) return fail(path, -ENOENT);
    if (node.type === 'dir') return fail(path, -EISDIR);
    if ((node.mode & 0o444) === 0 || node.show === undefined) {
      return fail(path, -EACCES, 'attribute is write-only');
    }
    let text: string;
    try {
      text = node.show();
    } catch (error) {
      if (KernelError.isInstance(error)) return rejected(path, error);
      throw error;
    }
    return { ok: true, value: text.endsWith('\n') ? text : `${text}\n` };
  }

  /** `cat path`: the attribute's text (newline-terminated) or `-errno` (-ENOENT, -EISDIR, -EACCES). */
  read(path: string): string | number {
    const out = this.readImpl(path);
    return out.ok ? out.value : out.rc;
  }

  /** Like `read()` but throws the `KernelError` that explains a failure. */
  readOrThrow(path: string): string {
    const out = this.readImpl(path);
    if (!out.ok) throw out.error;
    return out.value;
  }

  private async writeImpl(path: string, value: string): Promise<Outcome<number>> {
    const node = this.lookup(splitPath(path));
    if (node === undefined) return fail(path, -ENOENT);
    if (node.type === 'dir') return fail(path, -EISDIR);
    if ((node.mode & 0o222) === 0 || node.store === undefined) {
      return fail(path, -EACCES, 'attribute is read-only');
    }
    const input = value.endsWith('\n') ? value.slice(0, -1) : value;
    let rc: void | number;
    try {
      rc = await node.store(input);
    } catch (error) {
      if (KernelError.isInstance(error)) return rejected(path, error);
      throw error;
    }
    if (typeof rc === 'number' && rc < 0) return fail(path, rc);
    return { ok: true, value: utf8Length(value) };
  }

  /** `echo value > path`: resolves to the bytes written or `-errno`; a rejected write changes nothing. */
  async write(path: string, value: string): Promise<number> {
    const out = await this.writeImpl(path, value);
    return out.ok ? out.value : out.rc;
  }

  /** Like `write()` but throws the `KernelError` whose message says what the attribute accepts (for the CLI). */
  async writeOrThrow(path: string, value: string): Promise<number> {
    const out = await this.writeImpl(path, value);
    if (!out.ok) throw out.error;
    return out.value;
  }
}
