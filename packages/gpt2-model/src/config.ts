import { type Folder, readTextFile } from '@gptft/hub';
import type { z } from 'zod';
import { ALIASES, type Activation, CAMEL, type ConfigJSON, configSchema } from './config-schema.js';
import { ConfigError } from './errors.js';

export { ACTIVATIONS, type Activation } from './config-schema.js';

/** Options for `new GPT2Config(...)`: camelCase versions of config.json's keys, all optional. */
export interface GPT2ConfigInit {
  vocabSize?: number;
  nPositions?: number;
  nEmbd?: number;
  nLayer?: number;
  nHead?: number;
  nInner?: number | null;
  activationFunction?: Activation;
  residPdrop?: number;
  embdPdrop?: number;
  attnPdrop?: number;
  layerNormEpsilon?: number;
  initializerRange?: number;
  scaleAttnWeights?: boolean;
  scaleAttnByInverseLayerIdx?: boolean;
  reorderAndUpcastAttn?: boolean;
  useCache?: boolean;
  tieWordEmbeddings?: boolean;
  bosTokenId?: number | number[] | null;
  eosTokenId?: number | number[] | null;
  padTokenId?: number | number[] | null;
  id2label?: Record<number | string, string>;
  label2id?: Record<string, number>;
  numLabels?: number;
  problemType?: 'regression' | 'single_label_classification' | 'multi_label_classification' | null;
  summaryType?: string;
  summaryUseProj?: boolean;
  summaryActivation?: string | null;
  summaryProjToLabels?: boolean;
  summaryFirstDropout?: number;
  architectures?: string[] | null;
  torchDtype?: string | null;
  /** Other config.json keys (snake_case), written back unchanged by `toJSON()`. */
  extra?: Record<string, unknown>;
}

/** A value for an error message: short, and numbers as written (`Infinity`, not `null`). */
function shown(value: unknown): string {
  const text = typeof value === 'number' ? String(value) : (JSON.stringify(value) ?? String(value));
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function describe(issue: z.core.$ZodIssue, json: Record<string, unknown>): string {
  const field = issue.path.join('.') || '(root)';
  const got = issue.path.length > 0 ? json[String(issue.path[0])] : undefined;
  if (issue.code === 'custom') return issue.message;
  const value = got === undefined ? '' : ` (got ${shown(got)})`;
  return `${field}: ${issue.message}${value}`;
}

/** How deep config.json may nest (GPT-2's nests 3 levels: task_specific_params); deeper is refused. */
const MAX_DEPTH = 64;

/** The first top-level key whose value nests deeper than {@link MAX_DEPTH}, walked without recursion. */
function tooDeep(json: Record<string, unknown>): string | undefined {
  for (const [key, value] of Object.entries(json)) {
    const stack: Array<[unknown, number]> = [[value, 1]];
    while (stack.length > 0) {
      const [v, depth] = stack.pop()!;
      if (v === null || typeof v !== 'object') continue;
      if (depth > MAX_DEPTH) return key;
      for (const child of Object.values(v)) stack.push([child, depth + 1]);
    }
  }
  return undefined;
}

/**
 * GPT-2's configuration, the counterpart of transformers' `GPT2Config`. Properties are the
 * camelCase names of config.json's keys; `toJSON()` writes config.json as transformers does.
 */
export class GPT2Config {
  readonly vocabSize: number;
  readonly nPositions: number;
  readonly nEmbd: number;
  readonly nLayer: number;
  readonly nHead: number;
  /** Width of the MLP's hidden layer; null means 4 · nEmbd (see `innerDim`). */
  readonly nInner: number | null;
  readonly activationFunction: Activation;
  readonly residPdrop: number;
  readonly embdPdrop: number;
  readonly attnPdrop: number;
  readonly layerNormEpsilon: number;
  readonly initializerRange: number;
  readonly scaleAttnWeights: boolean;
  readonly scaleAttnByInverseLayerIdx: boolean;
  /** Only changes fp16 numerics in PyTorch; gptft computes in float32, where it is a no-op. */
  readonly reorderAndUpcastAttn: boolean;
  readonly useCache: boolean;
  readonly tieWordEmbeddings: boolean;
  readonly bosTokenId: number | number[] | null;
  readonly eosTokenId: number | number[] | null;
  readonly padTokenId: number | number[] | null;
  readonly id2label: Record<number, string> | undefined;
  readonly label2id: Record<string, number> | undefined;
  readonly problemType: GPT2ConfigInit['problemType'];
  readonly summaryType: string;
  readonly summaryUseProj: boolean;
  readonly summaryActivation: string | null;
  readonly summaryProjToLabels: boolean;
  readonly summaryFirstDropout: number;
  readonly architectures: string[] | null;
  readonly torchDtype: string | null;
  /** config.json keys gptft does not interpret (e.g. `n_ctx`, `task_specific_params`), kept verbatim. */
  readonly extra: Readonly<Record<string, unknown>>;

  constructor(init: GPT2ConfigInit = {}) {
    const json: Record<string, unknown> = { ...(init.extra ?? {}) };
    for (const [camel, snake] of Object.entries(CAMEL)) {
      const v = (init as Record<string, unknown>)[camel];
      if (v !== undefined) json[snake] = v;
    }
    const c = GPT2Config.parse(json);
    this.vocabSize = c.vocab_size;
    this.nPositions = c.n_positions;
    this.nEmbd = c.n_embd;
    this.nLayer = c.n_layer;
    this.nHead = c.n_head;
    this.nInner = c.n_inner;
    this.activationFunction = c.activation_function;
    this.residPdrop = c.resid_pdrop;
    this.embdPdrop = c.embd_pdrop;
    this.attnPdrop = c.attn_pdrop;
    this.layerNormEpsilon = c.layer_norm_epsilon;
    this.initializerRange = c.initializer_range;
    this.scaleAttnWeights = c.scale_attn_weights;
    this.scaleAttnByInverseLayerIdx = c.scale_attn_by_inverse_layer_idx;
    this.reorderAndUpcastAttn = c.reorder_and_upcast_attn;
    this.useCache = c.use_cache;
    this.tieWordEmbeddings = c.tie_word_embeddings;
    this.bosTokenId = c.bos_token_id;
    this.eosTokenId = c.eos_token_id;
    this.padTokenId = c.pad_token_id ?? null;
    this.problemType = c.problem_type ?? null;
    this.summaryType = c.summary_type;
    this.summaryUseProj = c.summary_use_proj;
    this.summaryActivation = c.summary_activation;
    this.summaryProjToLabels = c.summary_proj_to_labels;
    this.summaryFirstDropout = c.summary_first_dropout;
    this.architectures = c.architectures ?? null;
    this.torchDtype = c.torch_dtype ?? null;
    // Labels as PretrainedConfig derives them: id2label wins; num_labels alone makes LABEL_i.
    if (c.id2label) {
      this.id2label = Object.fromEntries(Object.entries(c.id2label).map(([k, v]) => [Number(k), v]));
      this.label2id =
        c.label2id ?? Object.fromEntries(Object.entries(c.id2label).map(([k, v]) => [v, Number(k)]));
    } else if (c.num_labels !== undefined) {
      this.id2label = Object.fromEntries(Array.from({ length: c.num_labels }, (_, i) => [i, `LABEL_${i}`]));
      this.label2id =
        c.label2id ?? Object.fromEntries(Object.entries(this.id2label).map(([k, v]) => [v, Number(k)]));
    } else if (c.label2id) {
      this.label2id = c.label2id;
      this.id2label = Object.fromEntries(Object.entries(c.label2id).map(([k, v]) => [v, k]));
    }
    const known = new Set([...Object.values(CAMEL), 'model_type']);
    this.extra = Object.fromEntries(Object.entries(c).filter(([k]) => !known.has(k)));
  }

  /** Width of the MLP's hidden layer (`n_inner`, or 4 · n_embd when it is null). */
  get innerDim(): number {
    return this.nInner ?? 4 * this.nEmbd;
  }
  /** n_embd / n_head. */
  get headDim(): number {
    return this.nEmbd / this.nHead;
  }
  /** Number of labels (from id2label; 2 when none is set, as transformers defaults). */
  get numLabels(): number {
    return this.id2label ? Object.keys(this.id2label).length : 2;
  }
  /** transformers' generic aliases. */
  get hiddenSize(): number {
    return this.nEmbd;
  }
  get numAttentionHeads(): number {
    return this.nHead;
  }
  get numHiddenLayers(): number {
    return this.nLayer;
  }
  get maxPositionEmbeddings(): number {
    return this.nPositions;
  }

  /**
   * Validates a config.json object (snake_case, transformers' aliases accepted) and returns it
   * with defaults filled in. Throws `ConfigError` naming the field.
   */
  static parse(json: unknown, source?: string): ConfigJSON {
    const where = source ? `${source}: ` : '';
    if (json === null || typeof json !== 'object' || Array.isArray(json)) {
      throw new ConfigError(`${where}config must be a JSON object`, source);
    }
    const raw: Record<string, unknown> = { ...(json as Record<string, unknown>) };
    const deep = tooDeep(raw);
    if (deep !== undefined) {
      throw new ConfigError(`${where}${deep}: nested more than ${MAX_DEPTH} levels deep`, source, deep);
    }
    for (const [alias, name] of Object.entries(ALIASES)) {
      if (raw[alias] === undefined) continue;
      if (raw[name] !== undefined && raw[name] !== raw[alias]) {
        throw new ConfigError(
          `${where}${alias} (${shown(raw[alias])}) contradicts ${name} (${shown(raw[name])})`,
          source,
          alias,
        );
      }
      raw[name] = raw[alias];
      delete raw[alias];
    }
    const result = configSchema.safeParse(raw);
    if (!result.success) {
      const issue = result.error.issues[0]!;
      const field = issue.path.length > 0 ? String(issue.path[0]) : undefined;
      throw new ConfigError(`${where}${describe(issue, raw)}`, source, field);
    }
    return result.data;
  }

  /** A config from a parsed config.json object. */
  static fromJSON(json: unknown, source?: string): GPT2Config {
    const c = GPT2Config.parse(json, source);
    const init: Record<string, unknown> = {};
    const extra: Record<string, unknown> = {};
    const snakeToCamel = new Map(Object.entries(CAMEL).map(([camel, snake]) => [snake, camel]));
    for (const [k, v] of Object.entries(c)) {
      const camel = snakeToCamel.get(k);
      if (camel) init[camel] = v;
      else if (k !== 'model_type') extra[k] = v;
    }
    try {
      return new GPT2Config({ ...(init as GPT2ConfigInit), extra });
    } catch (e) {
      if (e instanceof ConfigError && source)
        throw new ConfigError(`${source}: ${e.message}`, source, e.field);
      throw e;
    }
  }

  /** Reads and validates a config.json file; errors name the file and the field. */
  static async fromFile(path: string): Promise<GPT2Config> {
    return GPT2Config.fromText(await readTextFile(path), path);
  }

  /** Reads and validates `config.json` (or `name`) of a folder (a URL base, dropped files, OPFS…). */
  static async fromFolder(folder: Folder, name = 'config.json'): Promise<GPT2Config> {
    return GPT2Config.fromText(await folder.readText(name), folder.pathOf(name));
  }

  /** Parses the text of a config.json read from `path` (named in errors). */
  static fromText(text: string, path: string): GPT2Config {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new ConfigError(`${path}: not valid JSON (${(e as Error).message})`, path);
    }
    return GPT2Config.fromJSON(json, path);
  }

  /** A copy with some fields changed (camelCase), validated again. */
  with(changes: GPT2ConfigInit): GPT2Config {
    return new GPT2Config({
      ...this.toInit(),
      ...changes,
      extra: { ...this.extra, ...(changes.extra ?? {}) },
    });
  }

  private toInit(): GPT2ConfigInit {
    const init: Record<string, unknown> = {};
    for (const camel of Object.keys(CAMEL)) {
      const v = (this as unknown as Record<string, unknown>)[camel];
      if (v !== undefined && camel !== 'numLabels') init[camel] = v;
    }
    return init as GPT2ConfigInit;
  }

  /**
   * config.json as transformers writes it: every GPT-2 key, the shared keys that are set,
   * the unknown keys kept from loading; keys sorted, as `json.dumps(sort_keys=True)` does.
   */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = { ...this.extra, model_type: 'gpt2' };
    const always = [
      'vocab_size',
      'n_positions',
      'n_embd',
      'n_layer',
      'n_head',
      'n_inner',
      'activation_function',
      'resid_pdrop',
      'embd_pdrop',
      'attn_pdrop',
      'layer_norm_epsilon',
      'initializer_range',
      'summary_type',
      'summary_use_proj',
      'summary_activation',
      'summary_proj_to_labels',
      'summary_first_dropout',
      'scale_attn_weights',
      'use_cache',
      'scale_attn_by_inverse_layer_idx',
      'reorder_and_upcast_attn',
      'bos_token_id',
      'eos_token_id',
    ];
    for (const [camel, snake] of Object.entries(CAMEL)) {
      const v = (this as unknown as Record<string, unknown>)[camel];
      if (always.includes(snake)) out[snake] = v;
    }
    if (this.padTokenId !== null) out.pad_token_id = this.padTokenId;
    // transformers omits it when true (the default); written always, so the file says it plainly.
    out.tie_word_embeddings = this.tieWordEmbeddings;
    if (this.architectures) out.architectures = [...this.architectures];
    if (this.torchDtype) out.torch_dtype = this.torchDtype;
    if (this.problemType) out.problem_type = this.problemType;
    // transformers omits the default 2-label map and writes any other one.
    const defaultLabels =
      this.id2label &&
      Object.keys(this.id2label).length === 2 &&
      this.id2label[0] === 'LABEL_0' &&
      this.id2label[1] === 'LABEL_1';
    if (this.id2label && !defaultLabels) {
      out.id2label = Object.fromEntries(Object.entries(this.id2label).map(([k, v]) => [String(k), v]));
      out.label2id = { ...this.label2id };
    }
    return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  /** config.json text: 2-space indent, sorted keys, trailing newline (transformers' format). */
  toJSONString(): string {
    return `${JSON.stringify(this.toJSON(), null, 2)}\n`;
  }
}
