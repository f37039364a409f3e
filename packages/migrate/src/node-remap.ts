/**
 * How `migrate_pages(2)` maps old nodes onto new ones: `node_remap()` keeps relative positions
 * (the k-th node of `from` goes to the (k mod |to|)-th node of `to`), and `do_migrate_pages()`
 * picks the order of the (source, dest) moves so that a node is emptied before memory moves
 * onto it. Pure functions over node lists, shared with the shell's `migratepages` command.
 */
import { NUMA_NO_NODE, nodeSet } from './numa-nodes';

/**
 * Where `node` goes when `from` is remapped onto `to` (mirrors `node_remap()` /
 * `bitmap_bitremap()`): a node not in `from`, or an empty `to`, stays where it is.
 */
export function nodeRemap(node: number, from: readonly number[], to: readonly number[]): number {
  const f = nodeSet(from);
  const t = nodeSet(to);
  const ord = f.indexOf(node);
  if (ord < 0 || t.length === 0) return node;
  return t[ord % t.length]!;
}

/**
 * The (source, dest) moves of `do_migrate_pages()` in the order it runs them. A node that maps to
 * itself moves nothing; when the masks have different weights, a source that is also in `to`
 * is skipped (`[0-7] → [3,4,5]` moves only 0, 1, 2, 6 and 7). Each round prefers a move whose
 * destination is no longer a pending source, so `[2,3,4] → [3,4,5]` runs 4→5, 3→4, 2→3.
 */
export function migratePagesPairs(from: readonly number[], to: readonly number[]): [source: number, dest: number][] {
  const f = nodeSet(from);
  const t = nodeSet(to);
  const pending = new Set(f);
  const pairs: [number, number][] = [];
  while (pending.size > 0) {
    let source = NUMA_NO_NODE;
    let dest = 0;
    for (const s of f) {
      if (!pending.has(s)) continue;
      if (f.length !== t.length && t.includes(s)) continue;
      const d = nodeRemap(s, f, t);
      if (s === d) continue;
      source = s;
      dest = d;
      if (!pending.has(d)) break;
    }
    if (source === NUMA_NO_NODE) break;
    pending.delete(source);
    pairs.push([source, dest]);
  }
  return pairs;
}
