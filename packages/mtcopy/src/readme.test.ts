import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

describe('README', () => {
  it('the example runs against the built package and prints what the README says', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const block = /```js\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBeDefined();
    const dist = join(root, 'dist', 'index.js');
    expect(existsSync(dist), 'build the package first (pnpm build)').toBe(true);
    // the file sits in this package's node_modules so the sibling packages resolve
    const dir = join(root, 'node_modules', '.cache');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'readme-example.mjs');
    writeFileSync(file, block!.replace("'@pagemig/mtcopy'", JSON.stringify(pathToFileURL(dist).href)));
    const out = execFileSync(process.execPath, [file], { encoding: 'utf8', timeout: 60_000 });
    const printed = /It prints:\n\n```\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(printed).toBeDefined();
    expect(out).toBe(printed);
  });
});
