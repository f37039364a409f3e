/**
 * The look every pagemig chart shares: one fixed font family (so the SVG does not depend on
 * the machine's fonts and the PNG renderer is told the same family), sizes, a fixed colour
 * scheme, and the names of series (a copy path with its thread or channel count). Not a
 * theme system: one style, kept in one place so the charts and the HTML report agree.
 */
import type { Config } from 'vega-lite';
import type { BenchPath } from '../bench/bench-options';

/** The one font family of every chart (DejaVu Sans ships with Debian and most Linux images). */
export const CHART_FONT = 'DejaVu Sans';

/** Plot area of one chart panel, in CSS pixels. */
export const CHART_WIDTH = 460;
/** Plot area height of one chart panel, in CSS pixels. */
export const CHART_HEIGHT = 280;

/** vega-lite `config` of every chart: the font everywhere, white background, quiet grid. */
export const CHART_CONFIG: Config = {
  font: CHART_FONT,
  background: 'white',
  padding: 8,
  view: { stroke: '#ccc' },
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#eee' },
  legend: { labelFontSize: 11, titleFontSize: 12, symbolStrokeWidth: 2 },
  title: { fontSize: 14, anchor: 'start' },
  line: { strokeWidth: 2 },
  point: { size: 40, filled: true },
};

/** Order of paths in legends (the bench's table order). */
const PATH_ORDER: readonly BenchPath[] = ['legacy', 'batch', 'mtcopy', 'dcbm'];

/** The legend name of a path with its worker count: `legacy`, `batch`, `mtcopy ×2 threads`, `dcbm ×4 channels`. */
export function seriesName(path: BenchPath, workers: number): string {
  if (path === 'mtcopy') return `mtcopy ×${workers} thread${workers === 1 ? '' : 's'}`;
  if (path === 'dcbm') return `dcbm ×${workers} channel${workers === 1 ? '' : 's'}`;
  return path;
}

/** Series names sorted by path (table order) then worker count, so colours do not depend on row order. */
export function seriesDomain(rows: readonly { path: BenchPath; workers: number }[]): string[] {
  const pairs = new Map<string, [number, number]>();
  for (const r of rows) pairs.set(seriesName(r.path, r.workers), [PATH_ORDER.indexOf(r.path), r.workers]);
  return [...pairs.entries()].sort((a, b) => a[1][0] - b[1][0] || a[1][1] - b[1][1]).map(([name]) => name);
}

/** Paths present in `rows`, in table order (the speedup chart colours by path). */
export function pathDomain(rows: readonly { path: BenchPath }[]): BenchPath[] {
  return PATH_ORDER.filter((p) => rows.some((r) => r.path === p));
}

/** Modes present, `measured` first (dashes distinguish measured from modelled rows). */
export function modeDomain(rows: readonly { mode: string }[]): string[] {
  return [...new Set(rows.map((r) => r.mode))].sort((a, b) => (a === 'measured' ? -1 : b === 'measured' ? 1 : a.localeCompare(b)));
}

/** Dash patterns by mode position: solid for measured, dashed for the rest. */
export function modeDashes(modes: readonly string[]): number[][] {
  return modes.map((_, i) => (i === 0 ? [1, 0] : i === 1 ? [6, 3] : [2, 2]));
}

/** A vega expression that writes a byte count as `4K`, `64K`, `2M`, `1G` (axis labels). */
export const SIZE_LABEL_EXPR =
  "datum.value >= 1073741824 ? format(datum.value / 1073741824, '~r') + 'G' : " +
  "datum.value >= 1048576 ? format(datum.value / 1048576, '~r') + 'M' : format(datum.value / 1024, '~r') + 'K'";

/** A vega expression that writes a count compactly in powers of 1024: `512`, `1K`, `256K`. */
export const COUNT_LABEL_EXPR = "datum.value >= 1024 ? format(datum.value / 1024, '~r') + 'K' : format(datum.value, '~r')";

/** A log-2 scale domain around `values` with some room on both sides (also for a single value). */
export function log2Domain(values: readonly number[]): [number, number] {
  const min = Math.min(...values);
  const max = Math.max(...values);
  return [min / 1.4, max * 1.4];
}
