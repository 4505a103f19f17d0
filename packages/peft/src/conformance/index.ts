/**
 * `@gptft/peft/conformance` — the checks every PEFT method must pass, for the methods in this
 * repository and for a contributor's own package. Register them with your test framework:
 *
 * ```ts
 * import '@gptft/backend-wasm';
 * import { useBackend } from '@gptft/backend';
 * import { runPeftConformance } from '@gptft/peft/conformance';
 * import { afterAll, beforeAll, describe, expect, it } from 'vitest';
 * import { ia3Config } from '../src/index.js';
 *
 * beforeAll(() => useBackend('wasm'));
 * runPeftConformance({ describe, it }, { name: 'IA3', config: () => ia3Config(), merges: true });
 * ```
 *
 * On a small random GPT-2 (dropout off), with the adapter trained a few steps first so it is not
 * the identity, each test checks one promise of a PEFT method:
 * 1. save → load round trip in PEFT's format (file names, sorted config with `inference_mode`,
 *    F32 safetensors with `format: pt`, every key under `base_model.model.` or a prompt key),
 *    bit-exact tensors, same outputs;
 * 2. merge = live adapter (and unmerge, and `mergeAndUnload` → a plain model), or a clear refusal;
 * 3. disable = base model, exactly;
 * 4. training steps leave every base parameter bit-identical and change the adapter, no leaks;
 * 5. the trainable count equals the adapter's tensors (PEFT's count) and, when given, the line HF
 *    PEFT prints for GPT-2 small;
 * 6. a second adapter of the method on the same model: switching gives each its own outputs,
 *    deleting one leaves the other intact; unloading restores the model and frees every tensor.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tf, type Variable } from '@gptft/backend';
import { GPT2Config, GPT2Model } from '@gptft/gpt2-model';
import { maxAbsDiff, nextTokenLoss, tiedLogits } from '@gptft/gpt2-model/testing';
import { SafetensorsFile } from '@gptft/hub';
import type { BasePeftConfig } from '../method.js';
import { ADAPTER_CONFIG_NAME, ADAPTER_WEIGHTS_NAME } from '../peft-model/adapter-io.js';
import { getPeftModel, PeftModel } from '../peft-model/peft-model.js';

/** The test-framework functions the suite registers its tests with (vitest's, jest's, mocha's). */
export interface TestRegistrar {
  describe(name: string, body: () => void): void;
  it(name: string, body: () => Promise<void> | void, timeout?: number): void;
}

/** What the suite needs to know about a method. */
export interface PeftConformanceOptions {
  /** The method's name in the test titles. */
  name: string;
  /** A fresh config of the method for the suite's model (2 layers, width 32, 4 heads, vocab 97). */
  config: () => BasePeftConfig;
  /** A second config for the two-adapter test (default: `config()`). */
  secondConfig?: () => BasePeftConfig;
  /** Whether the method merges into the base weights (LoRA, IA³, AdaLoRA: yes; adapters, prefixes: no). */
  merges: boolean;
  /**
   * The line HF PEFT's `print_trainable_parameters()` prints for GPT-2 small (124M) with
   * `gpt2Small.config()` — checked on a GPT-2-small-shaped model with no weights loaded.
   */
  gpt2Small?: { config: () => BasePeftConfig; line: string };
  /** Per-test timeout in ms (default 120 s). */
  timeout?: number;
}

/** The suite's model: a small random GPT-2 without dropout. */
export function conformanceModel(seed = 7): GPT2Model {
  const config = new GPT2Config({
    vocabSize: 97,
    nPositions: 32,
    nEmbd: 32,
    nLayer: 2,
    nHead: 4,
    residPdrop: 0,
    embdPdrop: 0,
    attnPdrop: 0,
  });
  return new GPT2Model(config, { seed });
}

const IDS = [3, 14, 15, 92, 65, 35, 89, 79, 32, 38];
const BATCH = [IDS, [2, 71, 82, 81, 82, 84, 59, 4, 52, 35]];

/** Next-token logits [T, V] of `ids`, on the host. */
function logits(pm: PeftModel, ids: number[] = IDS): Float32Array {
  return tf.tidy(() => {
    const h = pm.forward({ inputIds: [ids] }).lastHiddenState;
    return tiedLogits(pm.baseModel, h).dataSync() as Float32Array;
  });
}

function lossOf(pm: PeftModel, ids: number[]): tf.Scalar {
  return nextTokenLoss(
    tiedLogits(pm.baseModel, pm.forward({ inputIds: [ids] }).lastHiddenState),
    ids,
  ) as tf.Scalar;
}

/** `steps` Adam steps on the adapter's trainable parameters (makes it differ from its init). */
function trainSteps(pm: PeftModel, steps = 3, lr = 2e-2): void {
  pm.train();
  const opt = tf.train.adam(lr);
  for (let s = 0; s < steps; s++) {
    const ids = BATCH[s % BATCH.length]!;
    opt.minimize(() => lossOf(pm, ids), false, pm.trainableVariables());
  }
  opt.dispose();
  pm.eval();
}

function bytes(v: Variable | tf.Tensor): Buffer {
  return Buffer.from((v.dataSync() as Float32Array).slice().buffer);
}

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`PEFT conformance: ${what}`);
}

function close(a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string): void {
  const d = maxAbsDiff(a, b);
  check(d <= tol, `${what}: max |Δ| ${d} > ${tol}`);
}

async function withTmp<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'gptft-peft-conformance-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A trained adapter of the method on a fresh conformance model. */
function trained(options: PeftConformanceOptions): PeftModel {
  const pm = getPeftModel(conformanceModel(), options.config(), { seed: 11 });
  trainSteps(pm);
  return pm;
}

/** Registers the conformance tests of one method (one `describe` with six tests). */
export function runPeftConformance(t: TestRegistrar, options: PeftConformanceOptions): void {
  const timeout = options.timeout ?? 120_000;
  t.describe(`PEFT conformance: ${options.name}`, () => {
    t.it(
      "save → load round trip in PEFT's format is bit-exact and gives the same outputs",
      async () => {
        const pm = trained(options);
        const want = logits(pm);
        await withTmp(async (dir) => {
          await pm.savePretrained(dir);
          const cfgText = await readFile(join(dir, ADAPTER_CONFIG_NAME), 'utf8');
          const cfg = JSON.parse(cfgText) as Record<string, unknown>;
          check(
            cfg.peft_type === pm.peftConfig.default!.peft_type,
            'adapter_config.json names the peft_type',
          );
          check(cfg.inference_mode === true, 'adapter_config.json is saved with inference_mode: true');
          const keys = Object.keys(cfg);
          check(
            keys.join() === [...keys].sort().join(),
            'adapter_config.json keys are sorted, as PEFT writes them',
          );
          const file = await SafetensorsFile.open(join(dir, ADAPTER_WEIGHTS_NAME));
          check(file.metadata?.format === 'pt', 'adapter_model.safetensors has metadata format: pt');
          for (const k of file.names()) {
            check(file.info(k).dtype === 'F32', `${k} is F32`);
            check(
              k.startsWith('base_model.model.') || k.startsWith('prompt_'),
              `saved key "${k}" is a PEFT key (base_model.model.… or a prompt-learning key)`,
            );
          }
          const pm2 = await PeftModel.fromPretrained(conformanceModel(), dir);
          const a = pm.stateDict();
          const b = pm2.stateDict();
          const saved = new Set(file.names());
          // what is loaded is exactly what was saved
          check(
            b.map(([k]) => k).every((k) => saved.has(k)),
            'every parameter of the loaded adapter is in the file',
          );
          for (const [k, v] of b)
            check(bytes(v).equals(Buffer.from(file.getFloat32(k).buffer)), `${k} loads bit-exact`);
          if (a.length === b.length) {
            for (let i = 0; i < a.length; i++) check(a[i]![0] === b[i]![0], 'same keys after reload');
          }
          close(logits(pm2), want, 1e-5, 'outputs after save → load');
          pm2.dispose();
        });
        pm.dispose();
      },
      timeout,
    );

    t.it(
      options.merges
        ? 'merge = live adapter (merge, unmerge, mergeAndUnload)'
        : 'merging is refused with an error',
      () => {
        const pm = trained(options);
        if (!options.merges) {
          let threw = false;
          try {
            pm.mergeAdapter();
          } catch {
            threw = true;
          }
          check(threw, 'mergeAdapter throws for a method that cannot merge');
          pm.dispose();
          return;
        }
        const want = logits(pm);
        const baseNames = conformanceModel()
          .namedParameters()
          .map(([n]) => n);
        pm.mergeAdapter();
        close(logits(pm), want, 1e-4, 'merged outputs vs the live adapter');
        pm.unmergeAdapter();
        close(logits(pm), want, 1e-4, 'unmerged outputs vs the live adapter');
        const adapterTensors = pm.stateDict().length;
        const before = tf.memory().numTensors;
        const merged = pm.mergeAndUnload();
        check(tf.memory().numTensors <= before - adapterTensors, 'mergeAndUnload frees the adapter tensors');
        const names = merged.namedParameters().map(([n]) => n);
        check(
          names.join() === baseNames.join(),
          'mergeAndUnload returns the plain model (base parameter names)',
        );
        const h = merged.forward({ inputIds: [IDS] }).lastHiddenState;
        const got = tiedLogits(merged, h);
        close(got.dataSync(), want, 1e-4, 'the merged plain model computes the adapter outputs');
        tf.dispose([h, got]);
        merged.dispose();
      },
      timeout,
    );

    t.it(
      'disable = base model, exactly; enable restores the adapter',
      () => {
        const base = conformanceModel();
        const h = base.forward({ inputIds: [IDS] }).lastHiddenState;
        const l = tiedLogits(base, h);
        const want = l.dataSync().slice();
        tf.dispose([h, l]);
        base.dispose();
        const pm = trained(options);
        const live = logits(pm);
        check(maxAbsDiff(live, want) > 1e-6, 'the trained adapter changes the outputs');
        pm.disableAdapter();
        close(logits(pm), want, 0, 'outputs with the adapter disabled vs the base model');
        pm.enableAdapter();
        close(logits(pm), live, 0, 'outputs after enableAdapter');
        pm.dispose();
      },
      timeout,
    );

    t.it(
      'training steps change only the adapter: the frozen base is bit-identical; no leaks',
      () => {
        const model = conformanceModel();
        const pm = getPeftModel(model, options.config(), { seed: 11 });
        const own = new Set(pm.stateDict().map(([, v]) => v));
        const base = model.namedParameters().filter(([, v]) => !own.has(v));
        const baseBefore = base.map(([n, v]) => [n, bytes(v)] as const);
        const trainable = pm.trainableVariables();
        check(trainable.length > 0, 'the adapter has trainable parameters');
        check(
          trainable.every((v) => own.has(v)),
          'only adapter parameters are trainable',
        );
        const adapterBefore = trainable.map((v) => bytes(v));
        pm.train();
        const opt = tf.train.adam(2e-2);
        const counts: number[] = [];
        for (let s = 0; s < 4; s++) {
          opt.minimize(() => lossOf(pm, BATCH[s % 2]!), false, trainable);
          counts.push(tf.memory().numTensors);
        }
        opt.dispose();
        check(counts[3] === counts[1], `tensor count flat from step to step (${counts.join(', ')})`);
        for (const [i, [n, b]] of baseBefore.entries())
          check(bytes(base[i]![1]).equals(b), `base parameter ${n} unchanged`);
        check(
          trainable.some((v, i) => !bytes(v).equals(adapterBefore[i]!)),
          'the adapter parameters changed',
        );
        pm.dispose();
      },
      timeout,
    );

    t.it(
      'the trainable count is the adapter’s, as PEFT reports it',
      () => {
        const pm = getPeftModel(conformanceModel(), options.config(), { seed: 11 });
        const own = pm.stateDict().reduce((n, [, v]) => n + v.size, 0);
        const { trainable, all } = pm.getNbTrainableParameters();
        check(trainable === own, `trainable ${trainable} = the adapter's ${own} parameters`);
        check(all >= pm.model.numParameters() - 1, 'all counts the whole model');
        pm.dispose();
        if (options.gpt2Small) {
          const small = new GPT2Model(new GPT2Config({}), { init: 'none' });
          const ps = getPeftModel(small, options.gpt2Small.config());
          const line = ps.trainableParametersLine();
          ps.dispose();
          check(
            line === options.gpt2Small.line,
            `GPT-2 small: "${line}", HF PEFT prints "${options.gpt2Small.line}"`,
          );
        }
      },
      timeout,
    );

    t.it(
      'two adapters of the method on one model: switched, each its own outputs; delete and unload free everything',
      () => {
        const model = conformanceModel();
        const start = tf.memory().numTensors;
        const pm = getPeftModel(model, options.config(), { seed: 11 });
        trainSteps(pm);
        const first = logits(pm);
        pm.addAdapter('second', (options.secondConfig ?? options.config)(), { seed: 12 });
        close(logits(pm), first, 0, 'adding an adapter leaves the active one in effect');
        pm.setAdapter('second');
        trainSteps(pm);
        const second = logits(pm);
        check(maxAbsDiff(first, second) > 1e-6, 'the second adapter gives its own outputs');
        pm.setAdapter('default');
        close(logits(pm), first, 0, 'switching back gives the first adapter’s outputs exactly');
        pm.deleteAdapter('default');
        check(pm.activeAdapter === 'second', 'deleting the active adapter activates the other');
        close(logits(pm), second, 0, 'the remaining adapter is intact');
        pm.unload();
        check(
          tf.memory().numTensors === start,
          `unload frees every adapter tensor (${tf.memory().numTensors} vs ${start})`,
        );
        model.dispose();
      },
      timeout,
    );
  });
}
