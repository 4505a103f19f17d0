/**
 * transformers' `TokenClassificationPipeline` post-processing (`aggregate`, `aggregate_words`,
 * `group_entities`), on per-token probabilities: tokens become labelled words and entities.
 */

/** transformers' `AggregationStrategy`. */
export type AggregationStrategy = 'none' | 'simple' | 'first' | 'average' | 'max';

/** One token before aggregation (transformers' `pre_entity`). */
export interface PreEntity {
  /** The token as the tokenizer names it (byte-level form for GPT-2: `ĠYork`). */
  token: string;
  /** Its id. */
  id: number;
  /** Class probabilities [numLabels]. */
  scores: ArrayLike<number>;
  /** Position of the token in the input ids. */
  index: number;
  /** UTF-16 span of the token in the text. */
  start: number;
  end: number;
  /** Continues the previous token's word (see {@link isSubword}). */
  isSubword: boolean;
}

/** A token's result with aggregation `none` (transformers' keys). */
export interface TokenEntity {
  entity: string;
  score: number;
  index: number;
  word: string;
  start: number;
  end: number;
}

/** A grouped entity (aggregation other than `none`; transformers' keys). */
export interface GroupedEntity {
  entity_group: string;
  score: number;
  word: string;
  start: number;
  end: number;
}

/**
 * Whether a token continues a word: transformers' fallback for tokenizers without a
 * `continuing_subword_prefix` (GPT-2's byte-level BPE): the token does not start the text, and
 * neither the character before its span nor its first character is a space.
 */
export function isSubword(text: string, start: number): boolean {
  return start > 0 && !text.slice(start - 1, start + 1).includes(' ');
}

function argmax(a: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < a.length; i++) if (a[i]! > a[best]!) best = i;
  return best;
}

function max(a: ArrayLike<number>): number {
  return a[argmax(a)]!;
}

/** An entity with its ids (for the word text) before it is grouped. */
interface Labelled {
  entity: string;
  score: number;
  index: number;
  ids: number[];
  start: number;
  end: number;
}

/** transformers' `get_tag`: `B-X` → (B, X), `I-X` → (I, X), anything else → (I, label). */
function getTag(label: string): ['B' | 'I', string] {
  if (label.startsWith('B-')) return ['B', label.slice(2)];
  if (label.startsWith('I-')) return ['I', label.slice(2)];
  return ['I', label];
}

/**
 * The pipeline's entities from tokens: `none` labels each token; `simple` groups adjacent tokens
 * with the same tag (a `B-` starts a new entity); `first` / `average` / `max` first merge the
 * tokens of a word (subwords) into one label — the first token's, the one of the averaged
 * probabilities, or the most confident token's — then group like `simple`. Results whose label
 * (or group) is in `ignoreLabels` (default `['O']`) are left out. `decode` turns ids into text.
 */
export function aggregateEntities(
  pre: readonly PreEntity[],
  id2label: Readonly<Record<number, string>>,
  strategy: AggregationStrategy,
  decode: (ids: number[]) => string,
  ignoreLabels: readonly string[] = ['O'],
): TokenEntity[] | GroupedEntity[] {
  const label = (i: number) => {
    const l = id2label[i];
    if (l === undefined) throw new Error(`token-classification: config.id2label has no label for class ${i}`);
    return l;
  };
  let entities: Labelled[];
  if (strategy === 'none' || strategy === 'simple') {
    entities = pre.map((p) => {
      const i = argmax(p.scores);
      return {
        entity: label(i),
        score: p.scores[i]!,
        index: p.index,
        ids: [p.id],
        start: p.start,
        end: p.end,
      };
    });
    if (strategy === 'none') {
      return entities
        .map((e, k) => ({
          entity: e.entity,
          score: e.score,
          index: e.index,
          word: pre[k]!.token,
          start: e.start,
          end: e.end,
        }))
        .filter((e) => !ignoreLabels.includes(e.entity));
    }
  } else {
    // aggregate_words: a word is a token and the subword tokens after it
    const words: PreEntity[][] = [];
    for (const p of pre) {
      if (words.length > 0 && p.isSubword) words[words.length - 1]!.push(p);
      else words.push([p]);
    }
    entities = words.map((w) => aggregateWord(w, strategy, label));
  }
  return groupEntities(entities, decode).filter((g) => !ignoreLabels.includes(g.entity_group));
}

/** transformers' `aggregate_word`. */
function aggregateWord(
  tokens: PreEntity[],
  strategy: AggregationStrategy,
  label: (i: number) => string,
): Labelled {
  let scores: ArrayLike<number>;
  if (strategy === 'first') scores = tokens[0]!.scores;
  else if (strategy === 'max') {
    let best = tokens[0]!;
    for (const t of tokens) if (max(t.scores) > max(best.scores)) best = t; // first of equal maxima
    scores = best.scores;
  } else if (strategy === 'average') {
    const n = tokens[0]!.scores.length;
    const avg = new Float64Array(n);
    for (const t of tokens) for (let j = 0; j < n; j++) avg[j]! += t.scores[j]! / tokens.length;
    scores = avg;
  } else throw new Error(`aggregationStrategy: unknown strategy "${strategy}"`);
  const i = argmax(scores);
  return {
    entity: label(i),
    score: scores[i]!,
    index: tokens[0]!.index,
    ids: tokens.map((t) => t.id),
    start: tokens[0]!.start,
    end: tokens[tokens.length - 1]!.end,
  };
}

/** transformers' `group_entities` + `group_sub_entities`. */
function groupEntities(entities: Labelled[], decode: (ids: number[]) => string): GroupedEntity[] {
  const groups: GroupedEntity[] = [];
  let current: Labelled[] = [];
  const close = () => {
    if (current.length === 0) return;
    groups.push({
      entity_group: current[0]!.entity.split('-').pop()!,
      score: current.reduce((a, e) => a + e.score, 0) / current.length,
      word: decode(current.flatMap((e) => e.ids)),
      start: current[0]!.start,
      end: current[current.length - 1]!.end,
    });
  };
  for (const e of entities) {
    if (current.length === 0) {
      current.push(e);
      continue;
    }
    const [bi, tag] = getTag(e.entity);
    const [, lastTag] = getTag(current[current.length - 1]!.entity);
    if (tag === lastTag && bi !== 'B') current.push(e);
    else {
      close();
      current = [e];
    }
  }
  close();
  return groups;
}
