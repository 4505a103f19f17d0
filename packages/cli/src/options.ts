import { type Command, InvalidArgumentError, Option } from 'commander';
import { camelCase, kebabCase, readConfigFile } from './config-file.js';
import { CliError } from './errors.js';

/** How a flag's value is parsed. */
export type OptionType = 'number' | 'int' | 'string' | 'boolean' | readonly string[];

/** The values a numeric option accepts (checked on the command line and in `--config` files). */
export interface NumberRange {
  min?: number;
  max?: number;
  /** `min` itself is not allowed (e.g. `> 0`). */
  minExclusive?: boolean;
  /** `max` itself is not allowed (e.g. `< 1`). */
  maxExclusive?: boolean;
  /** One more allowed value outside the range (e.g. -1 for "no limit"). */
  or?: number;
}

/** `(0, 1]`, `≥ 1`, `-1 or ≥ 1` … */
export function describeRange(r: NumberRange): string {
  let text: string;
  if (r.min !== undefined && r.max !== undefined)
    text = `in ${r.minExclusive ? '(' : '['}${r.min}, ${r.max}${r.maxExclusive ? ')' : ']'}`;
  else if (r.min !== undefined) text = `${r.minExclusive ? '>' : '≥'} ${r.min}`;
  else if (r.max !== undefined) text = `${r.maxExclusive ? '<' : '≤'} ${r.max}`;
  else text = 'any value';
  return r.or !== undefined ? `${r.or} or ${text}` : text;
}

/** Whether `v` is in `r`. */
export function inRange(v: number, r: NumberRange): boolean {
  if (r.or !== undefined && v === r.or) return true;
  if (r.min !== undefined && (r.minExclusive ? v <= r.min : v < r.min)) return false;
  if (r.max !== undefined && (r.maxExclusive ? v >= r.max : v > r.max)) return false;
  return true;
}

/** One command-line option, also settable from a `--config` file under the same name. */
export interface OptionSpec {
  /** Flag name without dashes, kebab-case (`learning-rate`); the value's key is its camelCase. */
  name: string;
  type: OptionType;
  description: string;
  /** Default applied when neither the command line nor the config file gives a value. */
  default?: unknown;
  /** Value placeholder shown in --help (default from the type). */
  placeholder?: string;
  /** Allowed more than once, collecting a list. */
  variadic?: boolean;
  /** Numbers: the allowed values (an error names the flag, the range and the value). */
  range?: NumberRange;
  /** A string flag whose value may be left out (`--flag` alone): the value it then takes. */
  preset?: string;
}

function parseNumber(name: string, int: boolean, range: NumberRange | undefined) {
  return (raw: string): number => {
    const v = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(v) || (int && !Number.isInteger(v))) {
      throw new InvalidArgumentError(
        `expected ${int ? 'an integer' : 'a number'} for --${name}, got "${raw}"`,
      );
    }
    if (range && !inRange(v, range))
      throw new InvalidArgumentError(`--${name} must be ${describeRange(range)}, got ${raw}`);
    return v;
  };
}

const SPECS = Symbol('gptft option specs');
type WithSpecs = Command & { [SPECS]?: OptionSpec[] };

/** Adds options to a command; each is remembered so {@link resolveOptions} can merge config files. */
export function addOptions(cmd: Command, specs: readonly OptionSpec[]): Command {
  const c = cmd as WithSpecs;
  c[SPECS] ??= [];
  for (const s of specs) {
    c[SPECS].push(s);
    const placeholder =
      s.placeholder ??
      (s.type === 'number'
        ? 'number'
        : s.type === 'int'
          ? 'int'
          : Array.isArray(s.type)
            ? 'choice'
            : 'value');
    const def =
      s.default !== undefined && s.type !== 'boolean' ? ` (default: ${JSON.stringify(s.default)})` : '';
    let o: Option;
    if (s.type === 'boolean') {
      o =
        s.default === true
          ? new Option(`--no-${s.name}`, s.description)
          : new Option(`--${s.name}`, s.description);
    } else if (s.preset !== undefined) {
      o = new Option(`--${s.name} [${placeholder}]`, `${s.description}${def}`).preset(s.preset);
    } else {
      o = new Option(`--${s.name} <${placeholder}${s.variadic ? '...' : ''}>`, `${s.description}${def}`);
      if (s.type === 'number' || s.type === 'int') {
        const parse = parseNumber(s.name, s.type === 'int', s.range);
        o.argParser(
          (s.variadic
            ? (raw: string, prev: number[] | undefined) => [...(prev ?? []), parse(raw)]
            : parse) as (v: string, p: unknown) => unknown,
        );
      } else if (Array.isArray(s.type)) o.choices(s.type as string[]);
    }
    cmd.addOption(o);
  }
  return cmd;
}

function coerce(spec: OptionSpec, value: unknown, where: string): unknown {
  const bad = (what: string) =>
    new CliError(
      `${where}: ${spec.name}: expected ${what}, got ${JSON.stringify(value)}`,
      `see --help for ${spec.name}`,
    );
  if (spec.variadic && Array.isArray(value))
    return value.map((v) => coerce({ ...spec, variadic: false }, v, where));
  if (spec.type === 'number' || spec.type === 'int') {
    const v = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw bad(spec.type === 'int' ? 'an integer' : 'a number');
    if (spec.type === 'int' && !Number.isInteger(v)) throw bad('an integer');
    if (spec.range && !inRange(v, spec.range)) throw bad(describeRange(spec.range));
    return spec.variadic ? [v] : v;
  }
  if (spec.type === 'boolean') {
    if (typeof value !== 'boolean') throw bad('true or false');
    return value;
  }
  if (Array.isArray(spec.type)) {
    if (typeof value !== 'string' || !spec.type.includes(value)) throw bad(`one of ${spec.type.join(', ')}`);
    return value;
  }
  if (typeof value !== 'string') throw bad('a string');
  return spec.variadic ? [value] : value;
}

/**
 * The command's option values: the command line first, then the `--config` file (JSON or YAML, keys
 * in kebab-, snake- or camelCase), then each option's default. Keys are camelCase. Unknown keys in
 * the config file are an error naming the key and the file.
 */
export async function resolveOptions(cmd: Command): Promise<Record<string, unknown>> {
  const specs = (cmd as WithSpecs)[SPECS] ?? [];
  const given = cmd.opts();
  const configPath = given.config as string | undefined;
  const fromFile = configPath ? await readConfigFile(configPath) : {};
  const byKey = new Map(specs.map((s) => [camelCase(s.name), s]));
  for (const k of Object.keys(fromFile)) {
    if (!byKey.has(k) && k !== 'config') {
      throw new CliError(
        `${configPath}: unknown option "${kebabCase(k)}" for \`gptft ${commandPath(cmd)}\``,
        `the keys are the command's flags without dashes; see \`gptft ${commandPath(cmd)} --help\``,
      );
    }
  }
  const out: Record<string, unknown> = { ...given };
  for (const [key, spec] of byKey) {
    const source = cmd.getOptionValueSource(key);
    if (source === 'cli' || source === 'env') continue;
    if (key in fromFile) out[key] = coerce(spec, fromFile[key], configPath!);
    else if (spec.default !== undefined) out[key] = spec.default;
    else if (spec.type === 'boolean' && out[key] === undefined) out[key] = false;
  }
  return out;
}

/** `tokenizer train` for nested commands. */
export function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** The options every command has. */
export const COMMON_OPTIONS: OptionSpec[] = [
  {
    name: 'backend',
    type: 'string',
    placeholder: 'name',
    description: 'tensor backend: auto, wasm (embedded), cpu, tensorflow, tensorflow-gpu, webgpu',
    default: 'auto',
  },
  {
    name: 'json',
    type: 'boolean',
    description: 'print exactly one JSON object on stdout (logs go to stderr)',
  },
  { name: 'verbose', type: 'boolean', description: 'more logging; stack traces on errors' },
];

/** Adds `--config` and the common options. */
export function addCommonOptions(cmd: Command): Command {
  cmd.option(
    '--config <file>',
    'read options from a JSON or YAML file (flags given on the command line win)',
  );
  return addOptions(cmd, COMMON_OPTIONS);
}
