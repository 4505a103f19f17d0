import { type Collator, checkPaddingOptions, type PaddingOptions, type TokenIds } from './batch.js';
import { padRows } from './pad.js';

/** One tokenized example for sequence classification. */
export interface SequenceClassificationExample {
  inputIds: TokenIds;
  attentionMask?: TokenIds;
  /** The class id, or a label name looked up in `label2id`. */
  label: number | string;
}

/** Options of {@link sequenceClassificationCollator}. */
export interface SequenceClassificationCollatorOptions extends PaddingOptions {
  /** Maps label names to ids (e.g. `buildLabelMap(...).label2id`); needed when labels are names. */
  label2id?: Readonly<Record<string, number>>;
}

/**
 * The sequence-classification collator (HF `DataCollatorWithPadding`): pads input ids and masks
 * (right by default) and puts one label per example in `labels` (shape `[batchSize]`). GPT-2
 * classifiers pool the last real token: with right padding that is `sum(attentionMask[b]) - 1`,
 * with left padding `seqLength - 1`.
 */
export function sequenceClassificationCollator(
  options: SequenceClassificationCollatorOptions,
): Collator<SequenceClassificationExample> {
  const who = 'sequenceClassificationCollator';
  checkPaddingOptions(options, who);
  return (examples) => {
    const batch = padRows(examples, options, who, 'none');
    const labels = new Int32Array(examples.length);
    examples.forEach((ex, b) => {
      labels[b] = labelId(ex.label, options.label2id, who, b);
    });
    batch.labels = labels;
    batch.labelsShape = [examples.length];
    return batch;
  };
}

function labelId(
  label: number | string,
  label2id: Readonly<Record<string, number>> | undefined,
  who: string,
  b: number,
): number {
  if (typeof label === 'number') {
    if (Number.isInteger(label) && label >= 0) return label;
    throw new Error(`${who}: example ${b}: label must be a non-negative integer class id, got ${label}`);
  }
  if (typeof label === 'string') {
    if (!label2id)
      throw new Error(`${who}: example ${b}: label ${JSON.stringify(label)} is a name; pass label2id`);
    const id = Object.hasOwn(label2id, label) ? label2id[label] : undefined;
    if (id === undefined) {
      throw new Error(
        `${who}: example ${b}: label ${JSON.stringify(label)} is not in label2id (${Object.keys(label2id).join(', ')})`,
      );
    }
    return id;
  }
  throw new Error(
    `${who}: example ${b}: label must be a class id or name, got ${label === null ? 'null' : typeof label}`,
  );
}
