// Shared by the worked-task examples: where the data and the base model are, command-line
// settings, batches → model inputs, and the run record (settings.json + metrics.json).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Batch } from '@gptft/datasets';
import { GPT2Config, type GPT2ConfigInit, GPT2Model } from '@gptft/gpt2-model';
import { GPT2_EOS_ID, GPT2Tokenizer } from '@gptft/tokenizer';

/** The repository root (this file is docs/examples/tasks/task-utils.ts). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** A folder of the shared data sets: `$GPTFT_DATA/<name>`, else `<repo>/../shared/data/<name>`. */
export function dataDir(name: string): string {
  return resolve(process.env.GPTFT_DATA ?? resolve(repoRoot, '../shared/data'), name);
}

/** The project-pretrained small GPT-2, when it is there. */
export const TINY_BASE = resolve(repoRoot, 'models/tiny-base');

/** Settings shared by every task. */
export interface BaseSettings {
  /** A GPT-2 folder or hub id; `'scratch'` builds a new small model (see `scratch*` settings). */
  base: string;
  scratchLayers: number;
  scratchHeads: number;
  scratchEmbd: number;
  scratchPositions: number;
  seed: number;
  /** Where settings.json, metrics.json and checkpoints go (empty: nowhere). */
  out: string;
}

export const BASE_DEFAULTS: BaseSettings = {
  base: 'scratch', // or TINY_BASE (models/tiny-base, when present), or any GPT-2 folder / hub id
  scratchLayers: 2,
  scratchHeads: 4,
  scratchEmbd: 128,
  scratchPositions: 256,
  seed: 42,
  out: '',
};

/**
 * `--name value` / `--name=value` command-line settings over `defaults` (kebab-case names map to
 * camelCase keys; numbers and booleans are parsed by the default's type). Unknown names throw.
 */
export function parseSettings<S extends object>(defaults: S, argv: string[] = process.argv.slice(2)): S {
  const out: Record<string, unknown> = { ...(defaults as Record<string, unknown>) };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) throw new Error(`unexpected argument "${arg}" (settings are --name value)`);
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const key = name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    if (!(key in out)) throw new Error(`unknown setting --${name} (known: ${Object.keys(out).join(', ')})`);
    const raw = eq < 0 ? argv[++i] : arg.slice(eq + 1);
    if (raw === undefined) throw new Error(`--${name} needs a value`);
    const d = out[key];
    if (typeof d === 'number') {
      const v = Number(raw);
      if (!Number.isFinite(v)) throw new Error(`--${name}: expected a number, got "${raw}"`);
      out[key] = v;
    } else if (typeof d === 'boolean') out[key] = raw === 'true' || raw === '1';
    else out[key] = raw;
  }
  return out as S;
}

/**
 * The backbone every task starts from: the checkpoint at `settings.base`, or (`'scratch'`) a new
 * GPT-2 with GPT-2's vocabulary and the `scratch*` sizes. `extra` sets head fields (numLabels, …).
 */
export async function loadBackbone(
  settings: BaseSettings,
  extra: GPT2ConfigInit = {},
): Promise<{ model: GPT2Model; description: string }> {
  if (settings.base === 'scratch') {
    const config = new GPT2Config({
      nLayer: settings.scratchLayers,
      nHead: settings.scratchHeads,
      nEmbd: settings.scratchEmbd,
      nPositions: settings.scratchPositions,
      ...extra,
    });
    const model = new GPT2Model(config, { seed: settings.seed });
    return {
      model,
      description: `new GPT-2 initialised from scratch (seed ${settings.seed}): ${config.nLayer} layers, ${config.nHead} heads, width ${config.nEmbd}, ${model.numParameters().toLocaleString('en-US')} parameters`,
    };
  }
  const config = (await GPT2Config.fromFile(resolve(settings.base, 'config.json'))).with(extra);
  const model = await GPT2Model.fromPretrained(settings.base, { config, seed: settings.seed });
  return {
    model,
    description: `${settings.base} (${config.nLayer} layers, width ${config.nEmbd}, ${model.numParameters().toLocaleString('en-US')} parameters)`,
  };
}

/**
 * The tokenizer that goes with `settings.base`: GPT-2's for a new model, else the checkpoint's own
 * (e.g. models/tiny-base has a 4,096-token vocabulary). `eosId` ends texts and pads batches.
 */
export async function loadTokenizer(
  settings: BaseSettings,
): Promise<{ tokenizer: GPT2Tokenizer; eosId: number }> {
  const tokenizer =
    settings.base === 'scratch' ? GPT2Tokenizer.gpt2() : await GPT2Tokenizer.fromPretrained(settings.base);
  return { tokenizer, eosId: tokenizer.eosTokenId ?? GPT2_EOS_ID };
}

/** Row-major [B, T] int32 data as nested rows (what the heads' `forward` takes). */
export function rows(data: Int32Array, shape: readonly [number, number] | readonly number[]): number[][] {
  const [b, t] = shape as [number, number];
  return Array.from({ length: b }, (_, i) => Array.from(data.subarray(i * t, (i + 1) * t)));
}

/** The model inputs of a collated batch. */
export function batchInputs(batch: Batch): { inputIds: number[][]; attentionMask: number[][] } {
  return {
    inputIds: rows(batch.inputIds, batch.shape),
    attentionMask: rows(batch.attentionMask, batch.shape),
  };
}

/** Records a run: `out/settings.json` now, `out/metrics.json` at the end (no-op without `out`). */
export function writeRecord(out: string, name: 'settings.json' | 'metrics.json', value: unknown): void {
  if (!out) return;
  mkdirSync(out, { recursive: true });
  writeFileSync(resolve(out, name), `${JSON.stringify(value, null, 2)}\n`);
}

/** Seconds since `start` (from `performance.now()`), one decimal. */
export function seconds(start: number): number {
  return Math.round((performance.now() - start) / 100) / 10;
}

/** True when the module is the process' entry point (`npx tsx file.ts`). */
export function isMain(metaUrl: string): boolean {
  return process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(metaUrl);
}
