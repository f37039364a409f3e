/**
 * Reading a scenario file (YAML or JSON) and validating it: the first problem becomes one line
 * that names the field path (`processes[0].regions[1].size`) and says what is accepted, thrown
 * as a usage error (exit code 2). Never a stack trace.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { usageError } from '../cli-error';
import { scenarioSchema, type Scenario } from './scenario-schema';

/** `processes[0].regions[1].size` for a zod path. */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(top level)' : out;
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return JSON.stringify(value);
  return `${typeof value} ${String(value)}`;
}

const article = (what: string) => (/^[aeiou]/.test(what) ? `an ${what}` : `a ${what}`);

/** Messages for zod's built-in checks, with the value that failed and what is accepted. */
const errorMap: z.core.$ZodErrorMap = (iss) => {
  switch (iss.code) {
    case 'invalid_type':
      if (iss.input === undefined) return `required field is missing: give ${article(iss.expected)}`;
      return `expected ${article(iss.expected)}, got ${describeValue(iss.input)}`;
    case 'invalid_value':
      return `${describeValue(iss.input)} is not accepted: give ${iss.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'too_small':
      if (iss.origin === 'array') return `give at least ${String(iss.minimum)} item(s)`;
      if (iss.origin === 'string') return `give at least ${String(iss.minimum)} character(s)`;
      return `${describeValue(iss.input)} is too small: give at least ${String(iss.minimum)}`;
    case 'too_big':
      if (iss.origin === 'array') return `give at most ${String(iss.maximum)} item(s)`;
      if (iss.origin === 'string') return `give at most ${String(iss.maximum)} character(s)`;
      return `${describeValue(iss.input)} is too large: give at most ${String(iss.maximum)}`;
    case 'invalid_format':
      return iss.format === 'starts_with' ? `${describeValue(iss.input)} is not accepted: give an absolute path` : undefined;
    case 'invalid_union':
      return `${describeValue(iss.input)} is not accepted here`;
    default:
      return undefined;
  }
};

/** Validates parsed scenario data; a problem is a usage error naming the field. */
export function parseScenario(data: unknown, source = 'scenario'): Scenario {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw usageError(`${source}: expected a mapping with system, processes, driver, ... at the top level`);
  }
  const result = scenarioSchema.safeParse(data, { error: errorMap });
  if (result.success) return result.data;
  const issues = result.error.issues;
  const first = issues[0]!;
  let path = [...first.path];
  if (first.code === 'unrecognized_keys') path = [...path, first.keys[0]!];
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})` : '';
  throw usageError(`${source}: ${formatIssuePath(path)}: ${first.message}${more}`);
}

/** Parses scenario text: JSON when the name ends in `.json` (or the text starts with `{`), else YAML. */
export function parseScenarioText(text: string, source = 'scenario'): Scenario {
  let data: unknown;
  const json = extname(source).toLowerCase() === '.json' || text.trimStart().startsWith('{');
  try {
    data = json ? JSON.parse(text) : parseYaml(text, { prettyErrors: false });
  } catch (error) {
    const message = (error instanceof Error ? error.message : String(error)).split('\n')[0];
    throw usageError(`${source}: not valid ${json ? 'JSON' : 'YAML'}: ${message}`);
  }
  return parseScenario(data, source);
}

/** Reads and validates a scenario file. */
export function loadScenario(file: string): Scenario {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw usageError(`${file}: cannot read the scenario${code === 'ENOENT' ? ': no such file' : code === 'EISDIR' ? ': it is a directory' : ''}`);
  }
  return parseScenarioText(text, file);
}
