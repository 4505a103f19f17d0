import { z } from 'zod';

/** Activation functions GPT-2 checkpoints use, under transformers' names (`ACT2FN`). */
export const ACTIVATIONS = [
  'gelu_new',
  'gelu_pytorch_tanh',
  'gelu_fast',
  'gelu_accurate',
  'gelu',
  'gelu_python',
  'quick_gelu',
  'relu',
  'relu6',
  'silu',
  'swish',
  'tanh',
  'sigmoid',
  'linear',
] as const;
export type Activation = (typeof ACTIVATIONS)[number];

const int = (min: number) => z.number().int().min(min);

/**
 * Upper bounds of the size fields: orders of magnitude beyond any GPT-2 (XL: 48 layers, 1600 wide,
 * 25 heads, 1024 positions, 50257 tokens). A config.json past them is a mistake, refused before
 * anything is allocated (1e6 layers would otherwise allocate for minutes and die on the heap).
 */
export const CONFIG_LIMITS = {
  vocab_size: 1 << 24,
  n_positions: 1 << 20,
  n_embd: 1 << 16,
  n_layer: 1024,
  n_head: 1 << 16,
  n_inner: 1 << 20,
} as const;

/** Most elements a single weight may have (tfjs sizes tensors with 32-bit integers). */
export const MAX_TENSOR_ELEMENTS = 2 ** 31 - 1;
/** Most parameters a model may have: 2^33 (34 GB of float32, 5.7× GPT-2 XL). */
export const MAX_PARAMETERS = 2 ** 33;

const size = (key: keyof typeof CONFIG_LIMITS) =>
  int(1).max(CONFIG_LIMITS[key], { message: `must be at most ${CONFIG_LIMITS[key]}` });
const prob = z.number().min(0).max(1);
const tokenId = z.union([int(0), z.array(int(0))]).nullable();

/** config.json as transformers writes it (snake_case). Unknown keys are kept for the round trip. */
export const configSchema = z
  .looseObject({
    model_type: z.literal('gpt2', { message: 'must be "gpt2"' }).default('gpt2'),
    architectures: z.array(z.string()).nullable().optional(),
    vocab_size: size('vocab_size').default(50257),
    n_positions: size('n_positions').default(1024),
    n_embd: size('n_embd').default(768),
    n_layer: size('n_layer').default(12),
    n_head: size('n_head').default(12),
    n_inner: size('n_inner').nullable().default(null),
    activation_function: z.enum(ACTIVATIONS).default('gelu_new'),
    resid_pdrop: prob.default(0.1),
    embd_pdrop: prob.default(0.1),
    attn_pdrop: prob.default(0.1),
    layer_norm_epsilon: z.number().positive().default(1e-5),
    initializer_range: z.number().nonnegative().default(0.02),
    summary_type: z.string().default('cls_index'),
    summary_use_proj: z.boolean().default(true),
    summary_activation: z.string().nullable().default(null),
    summary_proj_to_labels: z.boolean().default(true),
    summary_first_dropout: prob.default(0.1),
    scale_attn_weights: z.boolean().default(true),
    use_cache: z.boolean().default(true),
    scale_attn_by_inverse_layer_idx: z.boolean().default(false),
    reorder_and_upcast_attn: z.boolean().default(false),
    bos_token_id: tokenId.default(50256),
    eos_token_id: tokenId.default(50256),
    pad_token_id: tokenId.optional(),
    tie_word_embeddings: z.boolean().default(true),
    id2label: z.record(z.string().regex(/^\d+$/, 'keys must be integers'), z.string()).optional(),
    label2id: z.record(z.string(), int(0)).optional(),
    num_labels: int(1).optional(),
    problem_type: z
      .enum(['regression', 'single_label_classification', 'multi_label_classification'])
      .nullable()
      .optional(),
    torch_dtype: z.string().nullable().optional(),
  })
  .superRefine((c, ctx) => {
    if (c.n_embd % c.n_head !== 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['n_embd'],
        message: `n_embd (${c.n_embd}) must be divisible by n_head (${c.n_head})`,
      });
      return;
    }
    const inner = c.n_inner ?? 4 * c.n_embd;
    // The largest weight of each kind, with the fields that size it.
    const weights: Array<[string, number, string, string]> = [
      [
        'vocab_size',
        c.vocab_size * c.n_embd,
        'wte.weight',
        `vocab_size × n_embd (${c.vocab_size} × ${c.n_embd})`,
      ],
      [
        'n_positions',
        c.n_positions * c.n_embd,
        'wpe.weight',
        `n_positions × n_embd (${c.n_positions} × ${c.n_embd})`,
      ],
      [
        'n_embd',
        3 * c.n_embd * c.n_embd,
        'attn.c_attn.weight',
        `n_embd × 3·n_embd (${c.n_embd} × ${3 * c.n_embd})`,
      ],
      ['n_inner', c.n_embd * inner, 'mlp.c_fc.weight', `n_embd × n_inner (${c.n_embd} × ${inner})`],
    ];
    for (const [field, elements, name, what] of weights) {
      if (elements > MAX_TENSOR_ELEMENTS) {
        ctx.addIssue({
          code: 'custom',
          path: [field],
          message: `${field}: ${what} = ${elements} elements for ${name}, more than one tensor can hold (${MAX_TENSOR_ELEMENTS})`,
        });
        return;
      }
    }
    // Embeddings + blocks (attention 4·C², MLP 2·C·inner, biases and norms); final norm.
    const perBlock = 4 * c.n_embd * c.n_embd + 2 * c.n_embd * inner + 9 * c.n_embd + inner;
    const total = (c.vocab_size + c.n_positions) * c.n_embd + c.n_layer * perBlock + 2 * c.n_embd;
    if (total > MAX_PARAMETERS) {
      ctx.addIssue({
        code: 'custom',
        path: ['n_layer'],
        message: `n_layer: ${c.n_layer} blocks of width ${c.n_embd} make ${total.toExponential(2)} parameters, more than gptft can hold (${MAX_PARAMETERS.toExponential(2)})`,
      });
    }
  });

/** config.json after validation, defaults filled in. */
export type ConfigJSON = z.output<typeof configSchema>;

/** camelCase property → config.json key. */
export const CAMEL: Record<string, string> = {
  vocabSize: 'vocab_size',
  nPositions: 'n_positions',
  nEmbd: 'n_embd',
  nLayer: 'n_layer',
  nHead: 'n_head',
  nInner: 'n_inner',
  activationFunction: 'activation_function',
  residPdrop: 'resid_pdrop',
  embdPdrop: 'embd_pdrop',
  attnPdrop: 'attn_pdrop',
  layerNormEpsilon: 'layer_norm_epsilon',
  initializerRange: 'initializer_range',
  scaleAttnWeights: 'scale_attn_weights',
  scaleAttnByInverseLayerIdx: 'scale_attn_by_inverse_layer_idx',
  reorderAndUpcastAttn: 'reorder_and_upcast_attn',
  useCache: 'use_cache',
  tieWordEmbeddings: 'tie_word_embeddings',
  bosTokenId: 'bos_token_id',
  eosTokenId: 'eos_token_id',
  padTokenId: 'pad_token_id',
  id2label: 'id2label',
  label2id: 'label2id',
  numLabels: 'num_labels',
  problemType: 'problem_type',
  summaryType: 'summary_type',
  summaryUseProj: 'summary_use_proj',
  summaryActivation: 'summary_activation',
  summaryProjToLabels: 'summary_proj_to_labels',
  summaryFirstDropout: 'summary_first_dropout',
  architectures: 'architectures',
  torchDtype: 'torch_dtype',
};

/** transformers' `attribute_map` for GPT-2: generic names accepted in config.json. */
export const ALIASES: Record<string, string> = {
  hidden_size: 'n_embd',
  max_position_embeddings: 'n_positions',
  num_attention_heads: 'n_head',
  num_hidden_layers: 'n_layer',
};
