import type { Tensor } from '@gptft/backend';
import type { Folder } from '@gptft/hub';
import type { GPT2Model } from '@gptft/gpt2-model';
import { Dropout, type Layer } from '@gptft/nn';
import { type ClassificationFromPretrainedOptions, loadHead, loadLinear } from './classification.js';
import { HeadModel, type HeadOutput } from './head-model.js';
import type { Linear } from './linear.js';
import { crossEntropy, flatTokenLabels, type TokenLabels } from './losses.js';
import { tf } from '@gptft/backend';

/** Inputs of {@link GPT2ForTokenClassification.forward}. */
export interface TokenClassificationInput {
  inputIds: Tensor | number[][];
  attentionMask?: Tensor | number[][];
  /** Class ids of every token, [B, T] nested or flat row-major (a collator's `Batch.labels`); -100 is ignored. */
  labels?: TokenLabels;
  outputHiddenStates?: boolean;
}

/**
 * GPT-2 with a per-token classifier (transformers' `GPT2ForTokenClassification`): dropout
 * (`classifier_dropout`, else `hidden_dropout`, else 0.1) then `classifier.weight` [numLabels, C]
 * and `classifier.bias` [numLabels].
 */
export class GPT2ForTokenClassification extends HeadModel {
  readonly taskType = 'TOKEN_CLS';
  readonly headModuleNames = ['classifier'];
  constructor(transformer: GPT2Model, classifier: Linear) {
    super(transformer);
    const extra = transformer.config.extra as Record<string, unknown>;
    const rate = [extra.classifier_dropout, extra.hidden_dropout].find((v) => typeof v === 'number') as
      | number
      | undefined;
    this.addModule('dropout', new Dropout(rate ?? 0.1, transformer.seeds));
    this.addModule('classifier', classifier);
  }

  get classifier(): Linear {
    return this.child<Linear>('classifier');
  }

  protected get architecture(): string {
    return 'GPT2ForTokenClassification';
  }
  protected headTensors(): Record<string, Tensor> {
    return { 'classifier.weight': this.classifier.weight, 'classifier.bias': this.classifier.bias! };
  }

  /** Loads a checkpoint; a plain GPT-2 checkpoint gets a new `classifier` (see `loadingInfo`). */
  static async fromPretrained(
    pathOrRepoId: string | Folder,
    options: ClassificationFromPretrainedOptions = {},
  ): Promise<GPT2ForTokenClassification> {
    return loadHead(
      pathOrRepoId,
      options,
      /^(transformer\.)?classifier\.(weight|bias)$/,
      (loaded, info, ignoreMismatched) => {
        const classifier = loadLinear(
          loaded,
          'classifier',
          loaded.model.config.numLabels,
          true,
          info,
          ignoreMismatched,
        );
        return new GPT2ForTokenClassification(loaded.model, classifier);
      },
    );
  }

  /** Logits [B, T, numLabels] and, with labels, the mean CE over labels that are not -100. */
  forward(input: TokenClassificationInput): HeadOutput {
    const out = this.transformer.forward({
      inputIds: input.inputIds,
      ...(input.attentionMask !== undefined && { attentionMask: input.attentionMask }),
      ...(input.outputHiddenStates !== undefined && { outputHiddenStates: input.outputHiddenStates }),
    });
    const h = out.lastHiddenState;
    const logits = tf.tidy(() => this.classifier.forward(this.child<Layer>('dropout').forward(h)));
    if (!out.hiddenStates) h.dispose();
    const result: HeadOutput = { logits };
    if (out.hiddenStates) result.hiddenStates = out.hiddenStates;
    if (input.labels) {
      const [b, t] = logits.shape;
      result.loss = crossEntropy(logits, flatTokenLabels(input.labels, b!, t!));
    }
    return result;
  }
}
