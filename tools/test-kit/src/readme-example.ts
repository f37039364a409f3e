/**
 * Runs the first `js` example of a package's README against the package's built `dist` and
 * returns what it printed next to what the README says it prints (the block after "It prints…:"),
 * so every README example is tested as written.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Output of the example and the output the README promises. */
export interface ReadmeRun {
  out: string;
  printed: string | undefined;
}

/** Runs the README example of the package at `root` (named `name`) and returns both outputs. */
export function runReadmeExample(root: string, name: string): ReadmeRun {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const block = /```js\n([\s\S]*?)```/.exec(readme)?.[1];
  if (block === undefined) throw new Error(`${name}: the README has no js example`);
  const dist = join(root, 'dist', 'index.js');
  if (!existsSync(dist)) throw new Error(`${name}: build the package first (pnpm build)`);
  // the file sits in the package's node_modules so that sibling packages resolve from it
  const dir = join(root, 'node_modules', '.cache');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'readme-example.mjs');
  writeFileSync(file, block.replaceAll(`'${name}'`, JSON.stringify(pathToFileURL(dist).href)));
  const out = execFileSync(process.execPath, [file], { encoding: 'utf8' });
  const printed = /It prints[^\n]*:\n\n```\n([\s\S]*?)```/.exec(readme)?.[1];
  return { out, printed };
}
