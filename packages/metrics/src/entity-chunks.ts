/**
 * seqeval's default (lenient, conlleval-compatible) chunking: `seqeval.metrics.sequence_labeling
 * .get_entities`, `end_of_chunk` and `start_of_chunk`. It reads IOB1, IOB2, IOE and IOBES tags
 * alike and never rejects a sequence: an `I-X` after `O` starts an entity, a type change ends one.
 */

/** An entity as seqeval's `get_entities` returns it: `[type, start, end]`, `end` inclusive. */
export type Chunk = [type: string, start: number, end: number];

function endOfChunk(prevTag: string, tag: string, prevType: string, type: string): boolean {
  if (prevTag === 'E' || prevTag === 'S') return true;
  if ((prevTag === 'B' || prevTag === 'I') && (tag === 'B' || tag === 'S' || tag === 'O')) return true;
  return prevTag !== 'O' && prevTag !== '.' && prevType !== type;
}

function startOfChunk(prevTag: string, tag: string, prevType: string, type: string): boolean {
  if (tag === 'B' || tag === 'S') return true;
  if ((prevTag === 'E' || prevTag === 'S' || prevTag === 'O') && (tag === 'E' || tag === 'I')) return true;
  return tag !== 'O' && tag !== '.' && prevType !== type;
}

/** Splits a tag into seqeval's (prefix, type): `B-PER` → (`B`, `PER`), `O` → (`O`, `_`). */
function splitTag(chunk: string, suffix: boolean): [tag: string, type: string] {
  if (suffix) {
    // chunk[-1], and chunk[:-1].rsplit('-', 1)[0] or '_'
    const tag = chunk.slice(-1);
    const body = chunk.slice(0, -1);
    const cut = body.lastIndexOf('-');
    const type = cut < 0 ? body : body.slice(0, cut);
    return [tag, type || '_'];
  }
  // chunk[0], and chunk[1:].split('-', 1)[-1] or '_'
  const tag = chunk.slice(0, 1);
  const body = chunk.slice(1);
  const cut = body.indexOf('-');
  const type = cut < 0 ? body : body.slice(cut + 1);
  return [tag, type || '_'];
}

/** seqeval's check that a tag looks like an entity tag (it only warns). */
function looksLikeTag(chunk: string, suffix: boolean): boolean {
  if (['O', 'B', 'I', 'E', 'S'].includes(chunk)) return true;
  const ends = ['-B', '-I', '-E', '-S'];
  const starts = ['B-', 'I-', 'E-', 'S-'];
  return suffix ? ends.some((e) => chunk.endsWith(e)) : starts.some((s) => chunk.startsWith(s));
}

/**
 * seqeval's `get_entities`: the entities of one tag sequence, or of several (then each sentence is
 * followed by an `O` and positions run on across sentences, as seqeval does).
 *
 * @param onOddTag called with each tag that doesn't look like `B-`/`I-`/`E-`/`S-`/`O`
 *   (seqeval warns "… seems not to be NE tag."; the tag is still chunked the same way).
 * @example
 * getEntities(['B-PER', 'I-PER', 'O', 'B-LOC']) // [['PER', 0, 1], ['LOC', 3, 3]]
 */
export function getEntities(
  seq: readonly string[] | readonly (readonly string[])[],
  options: { suffix?: boolean; onOddTag?: (tag: string) => void } = {},
): Chunk[] {
  const suffix = options.suffix ?? false;
  let flat: string[];
  if (seq.some((s) => Array.isArray(s))) {
    flat = [];
    for (const sent of seq as readonly (readonly string[])[]) flat.push(...sent, 'O');
  } else flat = [...(seq as readonly string[])];
  flat.push('O');
  let prevTag = 'O';
  let prevType = '';
  let begin = 0;
  const chunks: Chunk[] = [];
  for (let i = 0; i < flat.length; i++) {
    const chunk = flat[i]!;
    if (options.onOddTag && !looksLikeTag(chunk, suffix)) options.onOddTag(chunk);
    const [tag, type] = splitTag(chunk, suffix);
    if (endOfChunk(prevTag, tag, prevType, type)) chunks.push([prevType, begin, i - 1]);
    if (startOfChunk(prevTag, tag, prevType, type)) begin = i;
    prevTag = tag;
    prevType = type;
  }
  return chunks;
}
