import type { Tensor } from '@gptft/backend';
import { disposePast, type GPT2Model, type GPT2ModelInput, type GPT2ModelOutput } from '@gptft/gpt2-model';
import type { PromptLearningAdapter } from '../method.js';

/** Marks a backbone wrapped by a PeftModel (one at a time). */
const WRAPPED = Symbol('gptft.peftModel');

/** Whether `backbone` is wrapped by a PeftModel already. */
export function isWrapped(backbone: GPT2Model): boolean {
  return Boolean((backbone as { [WRAPPED]?: unknown })[WRAPPED]);
}

/**
 * Makes the backbone's `forward` put the active prompt-learning adapter's keys/values in front when
 * the caller gives no `pastKeyValues` (a first step, or a whole sequence), so every head and
 * `generate` run prefix-tuned. HF PEFT does the same by overriding the forward and
 * `prepare_inputs_for_generation` of the model it wraps. Also marks the backbone as wrapped.
 * Returns the function that restores the backbone's own `forward`.
 */
export function installPromptForward(
  backbone: GPT2Model,
  activePrompt: () => PromptLearningAdapter | undefined,
): () => void {
  const bb = backbone as GPT2Model & { forward: GPT2Model['forward']; [WRAPPED]?: true };
  bb[WRAPPED] = true;
  const hadOwn = Object.hasOwn(bb, 'forward');
  const previous = bb.forward;
  const inner = previous.bind(bb);
  bb.forward = (input: GPT2ModelInput): GPT2ModelOutput => {
    const prompt = activePrompt();
    if (!prompt || input.pastKeyValues) return inner(input);
    const src = input.inputIds ?? input.inputsEmbeds!;
    const batch = Array.isArray(src) ? src.length : (src as Tensor).shape[0]!;
    const past = prompt.pastKeyValues(batch);
    if (!past) return inner(input);
    try {
      return inner({ ...input, pastKeyValues: past });
    } finally {
      disposePast(past);
    }
  };
  return () => {
    if (hadOwn) bb.forward = previous;
    else delete (bb as { forward?: unknown }).forward;
    delete bb[WRAPPED];
  };
}
