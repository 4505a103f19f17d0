import { type Tensor, type Tensor3D, type Variable, tf } from '@gptft/backend';
import { type Folder, openCheckpoint, type WritableFolder } from '@gptft/hub';
import { asInt2D, positionsAndBias } from './attention-mask.js';
import { GPT2Block } from './block.js';
import { GPT2Config } from './config.js';
import { checkpointedBlock } from './gradient-checkpointing.js';
import { initWeights } from './init.js';
import { emitLoadWarning, nonFiniteWarning, unusedKeysWarning } from './load-warnings.js';
import { type PastKeyValues, pastLength } from './kv-cache.js';
import { Dropout, Embedding, LayerNorm } from './layers.js';
import { type Layer, Module, ModuleList } from './module.js';
import { type FromPretrainedOptions, type LoadedBackbone, resolveSource } from './pretrained.js';
import { SeedSequence } from './random.js';
import { tidy } from './tidy.js';
import { checkConfigAgainstCheckpoint, loadWeights } from './weights-load.js';
import { type SavePretrainedOptions, writePretrainedFolder } from './weights-save.js';

/** Inputs of {@link GPT2Model.forward} (Hugging Face's `GPT2Model.forward`, camelCase). */
export interface GPT2ModelInput {
  /** Token ids [B, T], int32 (a tensor or nested arrays). Give this or `inputsEmbeds`. */
  inputIds?: Tensor | number[][];
  /** Input embeddings [B, T, C] instead of ids (prompt tuning builds these). */
  inputsEmbeds?: Tensor;
  /**
   * 1 for positions to attend to, 0 for padding; [B, P+T] covering the past/prefix and the current
   * tokens, as in transformers. A mask of [B, T'] with T ≤ T' < P+T covers the *last* T' positions:
   * the first P+T−T' (the oldest past entries, e.g. a prefix) are then attended to.
   */
  attentionMask?: Tensor | number[][];
  /**
   * Positions [B, T] or [1, T]. Default: with no mask, P … P+T−1; with a mask, each real token's
   * position is the number of attended positions before it (what `generate` computes, so
   * left-padded rows get the same positions as unpadded ones); pad tokens keep P + t.
   */
  positionIds?: Tensor | number[][];
  /**
   * Packed rows [B, T] (`@gptft/datasets` packing with `isolateDocuments`): the document index of
   * each token (-1 on padding). Attention stays inside a document (block-diagonal causal mask) and,
   * unless `positionIds` are given, positions restart at 0 at every document, so each document's
   * outputs equal those of running it alone. Not with `pastKeyValues`.
   */
  documentIds?: Tensor | number[][];
  /** Per-layer keys/values [B, H, P, D] in front of the sequence: the KV cache, or a prefix. */
  pastKeyValues?: PastKeyValues;
  /** Return per-layer keys/values of past + current positions (default false). */
  useCache?: boolean;
  /** Return the hidden states: embeddings, each block's output, and the final one after ln_f. */
  outputHiddenStates?: boolean;
}

/** Outputs of {@link GPT2Model.forward}; the caller owns (and disposes) every tensor. */
export interface GPT2ModelOutput {
  /** ln_f of the last block's output, [B, T, C]. */
  lastHiddenState: Tensor3D;
  /** Keys/values [B, H, P+T, D] per layer, when `useCache`. Feed back as `pastKeyValues`. */
  pastKeyValues?: PastKeyValues;
  /** nLayer + 1 tensors [B, T, C], when `outputHiddenStates` (the last one equals lastHiddenState). */
  hiddenStates?: Tensor3D[];
}

/** Options of the {@link GPT2Model} constructor. */
export interface GPT2ModelOptions {
  /** Seed of the dropout masks and of the initial weights (random when absent). */
  seed?: number;
  /** `'random'` (default): transformers' `_init_weights`; `'none'`: zeros (weights loaded next). */
  init?: 'random' | 'none';
}

/**
 * The GPT-2 backbone (transformers' `GPT2Model`): token + position embeddings, `nLayer` pre-LN
 * blocks, final LayerNorm. Parameter names are Hugging Face's (`wte.weight`,
 * `h.0.attn.c_attn.weight`, …; heads prefix them with `transformer.`).
 */
export class GPT2Model extends Module {
  /** Dropout masks draw their seeds from here; `setSeed` makes training runs reproducible. */
  readonly seeds: SeedSequence;
  /**
   * Recompute each block in the backward pass instead of keeping its activations (training mode
   * only, as in transformers): memory of one block instead of all, for about one extra forward.
   */
  gradientCheckpointing = false;

  constructor(
    readonly config: GPT2Config,
    options: GPT2ModelOptions = {},
  ) {
    super();
    this.seeds = new SeedSequence(options.seed);
    const c = config.nEmbd;
    this.addModule('wte', new Embedding(config.vocabSize, c));
    this.addModule('wpe', new Embedding(config.nPositions, c));
    this.addModule('drop', new Dropout(config.embdPdrop, this.seeds));
    const h = this.addModule('h', new ModuleList<GPT2Block>());
    for (let i = 0; i < config.nLayer; i++) h.push(new GPT2Block(config, i, this.seeds));
    this.addModule('ln_f', new LayerNorm(c, config.layerNormEpsilon));
    if ((options.init ?? 'random') === 'random') initWeights(this, config, this.seeds);
  }

  /** The token embedding [vocab, C] (the tied LM head's weight). */
  get wte(): Embedding {
    return this.child<Embedding>('wte');
  }
  get wpe(): Embedding {
    return this.child<Embedding>('wpe');
  }
  /** The blocks `h.0` … `h.{nLayer−1}`. */
  get h(): ModuleList<GPT2Block> {
    return this.child<ModuleList<GPT2Block>>('h');
  }

  /**
   * Loads a backbone from a local folder or a hub repo id: config.json + `model.safetensors` or a
   * sharded index; F32/F16/BF16 upcast to float32; keys with or without `transformer.`;
   * `h.N.attn.bias`/`masked_bias` buffers and head tensors (`lm_head`, `score`, `classifier`)
   * ignored. The model is returned in eval mode. On any error (missing tensor, wrong shape,
   * corrupt file) it throws a `CheckpointError` naming file and tensor, and leaves no tensor behind.
   */
  static async fromPretrained(
    pathOrRepoId: string | Folder,
    options: FromPretrainedOptions = {},
  ): Promise<GPT2Model> {
    const { model, folder, plan } = await GPT2Model.loadPretrained(pathOrRepoId, options);
    const unused = unusedKeysWarning(folder, 'GPT2Model', plan.unusedKeys);
    if (unused) emitLoadWarning(unused, options.onWarning);
    return model;
  }

  /**
   * Like `fromPretrained`, also returning the open checkpoint and the unused keys (for heads, which
   * warn about the keys they do not use either). Warns about weights holding NaN/Inf.
   */
  static async loadPretrained(
    pathOrRepoId: string | Folder,
    options: FromPretrainedOptions = {},
  ): Promise<LoadedBackbone> {
    if (options.dtype !== undefined && options.dtype !== 'float32' && options.dtype !== 'auto') {
      throw new Error(
        `dtype "${options.dtype}" is not supported: gptft computes in float32 (weights are upcast)`,
      );
    }
    const source = await resolveSource(pathOrRepoId, options);
    const folder = source.location;
    const configFile = source.pathOf('config.json');
    const config = options.config ?? (await GPT2Config.fromFolder(source));
    const checkpoint = await openCheckpoint(typeof pathOrRepoId === 'string' ? folder : source);
    // Before anything is allocated: an absurd or mismatched config.json is named, not run out of memory.
    const configFrom = options.config ? (options.configSource ?? 'options.config') : configFile;
    checkConfigAgainstCheckpoint(config, checkpoint, configFrom);
    const model = new GPT2Model(config, { init: 'none', seed: options.seed });
    try {
      const plan = loadWeights(model, checkpoint);
      const nonFinite = nonFiniteWarning(
        checkpoint.files.length === 1 ? checkpoint.files[0]! : folder,
        plan.nonFinite,
      );
      if (nonFinite) emitLoadWarning(nonFinite, options.onWarning);
      model.eval();
      return { model, folder, source, checkpoint, plan };
    } catch (e) {
      model.dispose();
      throw e;
    }
  }

  /**
   * The parameters by checkpoint key (`prefix` + HF name; default `transformer.`, the layout
   * transformers saves GPT2LMHeadModel in). The tensors are the live variables: do not dispose.
   */
  stateDict(prefix = 'transformer.'): Record<string, Variable> {
    return Object.fromEntries(this.namedParameters().map(([name, p]) => [prefix + name, p]));
  }

  /**
   * Saves config.json + model.safetensors in the layout transformers loads (keys
   * `transformer.*`, the tied LM head not written), atomically. `extra` lets a head add its
   * tensors (`score.weight`), config fields (`architectures`, `id2label`) and files.
   */
  async savePretrained(
    dir: string | WritableFolder,
    options: SavePretrainedOptions & {
      extraTensors?: Record<string, Tensor>;
      extraConfig?: Record<string, unknown>;
      extraFiles?: Record<string, string | Uint8Array>;
    } = {},
  ): Promise<void> {
    const { extraTensors, extraConfig, extraFiles, ...rest } = options;
    await writePretrainedFolder(
      dir,
      {
        config: { ...this.config.toJSON(), ...(extraConfig ?? {}) },
        tensors: { ...this.stateDict('transformer.'), ...(extraTensors ?? {}) },
        files: extraFiles ?? {},
      },
      rest,
    );
  }

  /** Re-seeds the dropout stream. */
  setSeed(seed: number): void {
    this.seeds.seed(seed);
  }

  forward(input: GPT2ModelInput): GPT2ModelOutput {
    const { pastKeyValues: past, useCache = false, outputHiddenStates = false } = input;
    return tidy(() => {
      const cfg = this.config;
      if ((input.inputIds === undefined) === (input.inputsEmbeds === undefined)) {
        throw new Error('give exactly one of inputIds and inputsEmbeds');
      }
      const ids = input.inputIds !== undefined ? asInt2D(input.inputIds, 'inputIds') : undefined;
      const [b, t] = ids ? (ids.shape as [number, number]) : (input.inputsEmbeds!.shape as [number, number]);
      if (
        input.inputsEmbeds &&
        (input.inputsEmbeds.rank !== 3 || input.inputsEmbeds.shape[2] !== cfg.nEmbd)
      ) {
        throw new Error(
          `inputsEmbeds must be [batch, length, ${cfg.nEmbd}], got ${JSON.stringify(input.inputsEmbeds.shape)}`,
        );
      }
      if (t === 0) throw new Error('the input sequence is empty');
      if (past && past.length !== cfg.nLayer) {
        throw new Error(`pastKeyValues has ${past.length} layers, the model ${cfg.nLayer}`);
      }
      const p = pastLength(past);
      if (past && past[0]!.key.shape[0] !== b) {
        throw new Error(`pastKeyValues has batch ${past[0]!.key.shape[0]}, the input ${b}`);
      }

      const { positions, bias } = positionsAndBias({
        batch: b,
        length: t,
        past: p,
        attentionMask: input.attentionMask,
        positionIds: input.positionIds,
        documentIds: input.documentIds,
        maxPositions: cfg.nPositions,
      });

      const tok = ids ? this.wte.forward(ids) : input.inputsEmbeds!; //        [B, T, C]
      let x = this.child<Layer>('drop').forward(tf.add(tok, this.wpe.forward(positions))); // [B, T, C]

      const hiddenStates: Tensor[] = [];
      const presents: PastKeyValues = [];
      const checkpoint = this.gradientCheckpointing && this.training && !useCache;
      for (let i = 0; i < cfg.nLayer; i++) {
        if (outputHiddenStates) hiddenStates.push(x);
        const block = this.h.at(i);
        if (checkpoint) {
          x = checkpointedBlock(block, x, bias, past?.[i], this.seeds);
        } else {
          const out = block.forward(x, { bias, past: past?.[i], useCache });
          x = out.hidden;
          if (out.present) presents.push(out.present);
        }
      }
      const last = this.child<Layer>('ln_f').forward(x) as Tensor3D;
      if (outputHiddenStates) hiddenStates.push(last);
      const out: GPT2ModelOutput = { lastHiddenState: last };
      if (useCache) out.pastKeyValues = presents;
      if (outputHiddenStates) out.hiddenStates = hiddenStates as Tensor3D[];
      return out;
    });
  }
}
