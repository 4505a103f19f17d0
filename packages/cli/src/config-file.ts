import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { CliError } from './errors.js';

/** kebab-case or snake_case → camelCase (`learning-rate`, `learning_rate` → `learningRate`). */
export function camelCase(key: string): string {
  return key.replace(/[-_]+([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** camelCase → kebab-case (`learningRate` → `learning-rate`, `adamBeta1` → `adam-beta1`). */
export function kebabCase(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/**
 * Reads a JSON or YAML config file (by extension; `.json` JSON, anything else YAML, which also
 * accepts JSON) into a flat object with camelCase keys. Keys may be written in kebab-case
 * (`learning-rate`), snake_case (HF's `learning_rate`) or camelCase.
 */
export async function readConfigFile(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new CliError(`config file not found: ${path}`, 'pass --config a JSON or YAML file');
  }
  let data: unknown;
  try {
    data = extname(path).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    const reason = (e as Error).message.split('\n')[0];
    throw new CliError(`${path}: not valid ${extname(path) === '.json' ? 'JSON' : 'YAML'}: ${reason}`);
  }
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new CliError(`${path}: must hold an object of option names to values`);
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(data as Record<string, unknown>)) out[camelCase(k)] = v;
  return out;
}
