// @gptft/datasets: read files with schemas, split with a seed, tokenize, and collate batches for
// sequence classification, token classification (sub-token label alignment) and causal LM.
//   npx tsx examples/datasets-collators.ts
import { fileURLToPath } from 'node:url';
import {
  buildLabelMap,
  causalLMCollator,
  chatRecord,
  loadDataset,
  sequenceClassificationCollator,
  textLabelRecord,
  tokenClassificationCollator,
  tokenizeAndAlignLabels,
  tokensTagsRecord,
} from '@gptft/datasets';
import { GPT2_EOS_ID, GPT2Tokenizer } from '@gptft/tokenizer';

const data = (file: string) => fileURLToPath(new URL(`./data/${file}`, import.meta.url));

export async function datasetsAndCollators() {
  const tokenizer = GPT2Tokenizer.gpt2();

  // Sequence classification: a TSV with a header; labels as integers; a seeded split.
  const reviews = await loadDataset(data('reviews.tsv'), {
    split: 'train',
    columns: { text: 'sentence', label: 'label' },
    columnTypes: { label: 'int' },
    schema: textLabelRecord, // a bad row fails with file:line: field: reason
  });
  const { train, test } = reviews.trainTestSplit({ testSize: 0.34, seed: 42 });
  const classify = sequenceClassificationCollator({ padTokenId: GPT2_EOS_ID });
  const clsBatch = classify(
    train.map((r) => ({ inputIds: tokenizer.encode(r.text), label: r.label })).toArray(),
  );
  console.log(train.length, test.length, clsBatch.shape, clsBatch.labels); // 3 3 [3, T] Int32Array [labels]

  // Token classification: CoNLL words and tags → sub-tokens; only a word's first sub-token is labelled.
  const ner = await loadDataset(data('ner.conll'), { split: 'train', schema: tokensTagsRecord });
  const labels = buildLabelMap(ner.toArray().map((r) => r.tags));
  const aligned = ner.map((r) => tokenizeAndAlignLabels(tokenizer, r, { labels })).toArray();
  const tagBatch = tokenClassificationCollator({ padTokenId: GPT2_EOS_ID })(aligned);
  // ' Kaczmarek' is several sub-tokens: the first gets I-person (3), the rest -100.
  console.log(labels.labels, aligned[0]!.labels);

  // Causal LM on chat data: the chat template renders the conversation; labels = ids, -100 on padding.
  const chats = await loadDataset(data('chat.jsonl'), { split: 'train', schema: chatRecord });
  const lm = causalLMCollator({ padTokenId: GPT2_EOS_ID })(
    chats.map((c) => ({ inputIds: tokenizer.applyChatTemplate(c.messages) })).toArray(),
  );
  console.log(lm.shape, lm.numTokens);
  return { clsBatch, tagBatch, lm, labels, aligned };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await datasetsAndCollators();
}
