/**
 * The label value that losses skip: PyTorch's `CrossEntropyLoss(ignore_index=-100)`, Hugging Face's
 * convention for padding, prompt tokens and sub-word continuations. The one definition in gptft.
 */
export const IGNORE_INDEX = -100;
