/**
 * Building blocks of pagemig's self-contained HTML files: escaping, a page shell with inline
 * CSS and no external resource, and inline SVG charts (namespace attributes and any XML
 * prolog dropped: the HTML parser puts `<svg>` in the SVG namespace by itself, and the file
 * then holds no URL at all). Not a template engine.
 */
import { CHART_FONT } from '../charts/chart-style';

/** Escapes text for HTML element content and double-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** An SVG document as an inline `<svg>` element, labelled for screen readers. */
export function inlineSvg(svg: string, label: string): string {
  const body = svg
    .replace(/^<\?xml[^>]*>\s*/, '')
    .replace(/<!DOCTYPE[^>]*>\s*/i, '')
    .replace(/\s+xmlns(:xlink)?="[^"]*"/g, '');
  return body.replace(/^<svg\b/, `<svg role="img" aria-label="${escapeHtml(label)}"`);
}

const CSS = `
  body { font-family: "${CHART_FONT}", sans-serif; margin: 2rem auto; max-width: 72rem; padding: 0 1rem; color: #222; line-height: 1.45; }
  h1 { font-size: 1.6rem; margin-bottom: 0.2rem; }
  h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #ddd; padding-bottom: 0.2rem; }
  .host { color: #444; margin-top: 0; }
  dl.options { display: grid; grid-template-columns: max-content auto; gap: 0.2rem 1rem; }
  dl.options dt { font-weight: bold; }
  dl.options dd { margin: 0; font-family: "DejaVu Sans Mono", monospace; }
  figure { margin: 1rem 0 2rem; }
  figure svg { max-width: 100%; height: auto; display: block; }
  figcaption { color: #555; font-size: 0.9rem; margin-top: 0.3rem; }
  table { border-collapse: collapse; font-size: 0.9rem; }
  th, td { border: 1px solid #ddd; padding: 0.25rem 0.6rem; }
  th { background: #f4f4f4; text-align: left; }
  td.num { text-align: right; font-variant-numeric: tabular-nums; }
  tr.failed td { background: #fde8e8; }
  .note { color: #555; font-size: 0.9rem; }
`;

/** A complete HTML document with the page CSS inline. */
export function htmlPage(title: string, body: string): string {
  return (
    `<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">\n` +
    `<title>${escapeHtml(title)}</title>\n<style>${CSS}</style>\n</head>\n<body>\n${body}\n</body>\n</html>\n`
  );
}
