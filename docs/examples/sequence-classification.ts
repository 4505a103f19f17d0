// A GPT-2 checkpoint as a 2-way classifier: the new `score` head, a forward pass with labels
// (loss) and predictions. A plain LM checkpoint gets a freshly initialised head, as transformers does.
//   npx tsx examples/sequence-classification.ts [folder-or-repo-id]
import '@gptft/backend-wasm';
import { tf, useBackend } from '@gptft/backend';
import { GPT2Config } from '@gptft/gpt2-model';
import { GPT2ForSequenceClassification } from '@gptft/heads';
import { GPT2_EOS_ID, GPT2Tokenizer } from '@gptft/tokenizer';
import { TINY_GPT2 } from './fixture.js';

export async function sequenceClassification(source = TINY_GPT2) {
  await useBackend('wasm');
  // transformers: AutoModelForSequenceClassification.from_pretrained(src, num_labels=2, id2label=…)
  const config = (await GPT2Config.fromFile(`${source}/config.json`)).with({
    numLabels: 2,
    id2label: { 0: 'negative', 1: 'positive' },
    label2id: { negative: 0, positive: 1 },
    padTokenId: GPT2_EOS_ID, // GPT-2 has no pad token: pad with <|endoftext|>
  });
  const model = await GPT2ForSequenceClassification.fromPretrained(source, { config });
  console.log('newly initialised:', model.loadingInfo.newlyInitialized); // ['score.weight']

  const tokenizer = GPT2Tokenizer.gpt2();
  const batch = tokenizer.call(['a gorgeous, witty, seductive movie.', 'dull and lifeless'], {
    padding: true,
  });
  // Pooled at each row's last real token (the attention mask's last 1).
  const { logits, loss } = model.forward({ ...batch, labels: [1, 0] });
  const probabilities = tf.softmax(logits);
  console.log(
    'loss',
    loss!.dataSync()[0],
    'p(positive)',
    Array.from(probabilities.dataSync()).filter((_, i) => i % 2),
  );
  const ids = tf.tidy(() => tf.argMax(logits, -1).arraySync() as number[]);
  const predicted = ids.map((i) => model.config.id2label?.[i] ?? String(i));
  console.log(predicted);
  tf.dispose([logits, loss!, probabilities]);
  model.dispose();
  return predicted;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await sequenceClassification(process.argv[2]);
}
