/**
 * seqeval's strict mode (`mode='strict'` with a `scheme`): `seqeval.scheme`'s token classes and
 * `Tokens.entities`. An entity counts only if it starts, continues and ends exactly as the scheme
 * says; a tag whose prefix the scheme does not allow is an error.
 */
import { MetricInputError } from './errors.js';

/** The tagging schemes seqeval's strict mode knows. */
export type TaggingScheme = 'IOB1' | 'IOB2' | 'IOE1' | 'IOE2' | 'IOBES' | 'BILOU';

type Prefix = 'I' | 'O' | 'B' | 'E' | 'S' | 'U' | 'L';
type TagCond = 'SAME' | 'DIFF' | 'ANY';
/** [previous prefixes, current prefixes, type condition] */
type Pattern = [string, string, TagCond];

interface SchemeDef {
  allowed: string;
  start: Pattern[];
  inside: Pattern[];
  end: Pattern[];
}

const ANY = 'IOBESUL';

const SCHEMES: Record<TaggingScheme, SchemeDef> = {
  IOB1: {
    allowed: 'IOB',
    start: [
      ['O', 'I', 'ANY'],
      ['I', 'I', 'DIFF'],
      ['B', 'I', 'ANY'],
      ['I', 'B', 'SAME'],
      ['B', 'B', 'SAME'],
    ],
    inside: [
      ['B', 'I', 'SAME'],
      ['I', 'I', 'SAME'],
    ],
    end: [
      ['I', 'I', 'DIFF'],
      ['I', 'O', 'ANY'],
      ['I', 'B', 'ANY'],
      ['B', 'O', 'ANY'],
      ['B', 'I', 'DIFF'],
      ['B', 'B', 'SAME'],
    ],
  },
  IOE1: {
    allowed: 'IOE',
    start: [
      ['O', 'I', 'ANY'],
      ['I', 'I', 'DIFF'],
      ['E', 'I', 'ANY'],
      ['E', 'E', 'SAME'],
    ],
    inside: [
      ['I', 'I', 'SAME'],
      ['I', 'E', 'SAME'],
    ],
    end: [
      ['I', 'I', 'DIFF'],
      ['I', 'O', 'ANY'],
      ['I', 'E', 'DIFF'],
      ['E', 'I', 'SAME'],
      ['E', 'E', 'SAME'],
    ],
  },
  IOB2: {
    allowed: 'IOB',
    start: [[ANY, 'B', 'ANY']],
    inside: [
      ['B', 'I', 'SAME'],
      ['I', 'I', 'SAME'],
    ],
    end: [
      ['I', 'O', 'ANY'],
      ['I', 'I', 'DIFF'],
      ['I', 'B', 'ANY'],
      ['B', 'O', 'ANY'],
      ['B', 'I', 'DIFF'],
      ['B', 'B', 'ANY'],
    ],
  },
  IOE2: {
    allowed: 'IOE',
    start: [
      ['O', 'I', 'ANY'],
      ['O', 'E', 'ANY'],
      ['E', 'I', 'ANY'],
      ['E', 'E', 'ANY'],
      ['I', 'I', 'DIFF'],
      ['I', 'E', 'DIFF'],
    ],
    inside: [
      ['I', 'E', 'SAME'],
      ['I', 'I', 'SAME'],
    ],
    end: [['E', ANY, 'ANY']],
  },
  IOBES: {
    allowed: 'IOBES',
    start: [
      [ANY, 'B', 'ANY'],
      [ANY, 'S', 'ANY'],
    ],
    inside: [
      ['B', 'I', 'SAME'],
      ['B', 'E', 'SAME'],
      ['I', 'I', 'SAME'],
      ['I', 'E', 'SAME'],
    ],
    end: [
      ['S', ANY, 'ANY'],
      ['E', ANY, 'ANY'],
    ],
  },
  BILOU: {
    allowed: 'BILOU',
    start: [
      [ANY, 'B', 'ANY'],
      [ANY, 'U', 'ANY'],
    ],
    inside: [
      ['B', 'I', 'SAME'],
      ['B', 'L', 'SAME'],
      ['I', 'I', 'SAME'],
      ['I', 'L', 'SAME'],
    ],
    end: [
      ['U', ANY, 'ANY'],
      ['L', ANY, 'ANY'],
    ],
  },
};

/** Names of the strict schemes, for validation messages. */
export const TAGGING_SCHEMES = Object.keys(SCHEMES) as TaggingScheme[];

interface Tok {
  prefix: Prefix;
  type: string;
}

function matches(prev: Tok, cur: Tok, patterns: Pattern[]): boolean {
  for (const [p, c, cond] of patterns) {
    if (!p.includes(prev.prefix) || !c.includes(cur.prefix)) continue;
    if (cond === 'ANY' || (cond === 'SAME') === (prev.type === cur.type)) return true;
  }
  return false;
}

/** `strip('-')` as Python does it: every leading and trailing delimiter. */
function stripDelimiter(s: string, delimiter: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && delimiter.includes(s[a]!)) a++;
  while (b > a && delimiter.includes(s[b - 1]!)) b--;
  return s.slice(a, b);
}

function parseToken(token: string, suffix: boolean, where: string): Tok {
  const p = suffix ? token.slice(-1) : token.slice(0, 1);
  if (p.length !== 1 || !ANY.includes(p)) {
    throw new MetricInputError(
      `${where} is ${JSON.stringify(token)}: its ${suffix ? 'last' : 'first'} character must be one of I, O, B, E, S, U, L`,
    );
  }
  const body = suffix ? token.slice(0, -1) : token.slice(1);
  return { prefix: p as Prefix, type: stripDelimiter(body, '-') || '_' };
}

/** An entity found by strict mode: sentence index, type, `start` inclusive, `end` exclusive. */
export interface StrictEntity {
  sentence: number;
  type: string;
  start: number;
  end: number;
}

/**
 * seqeval's `Tokens(tokens, scheme).entities` for one sentence (strict mode).
 * @throws MetricInputError when a tag's prefix is not allowed by the scheme (seqeval's ValueError).
 */
export function strictEntities(
  tags: readonly string[],
  scheme: TaggingScheme,
  options: { suffix?: boolean; sentence?: number; where?: string } = {},
): StrictEntity[] {
  const def = SCHEMES[scheme];
  if (!def) {
    throw new MetricInputError(
      `scheme is ${JSON.stringify(scheme)}: must be one of ${TAGGING_SCHEMES.join(', ')}`,
    );
  }
  const suffix = options.suffix ?? false;
  const where = options.where ?? 'tags';
  const toks = tags.map((t, i) => parseToken(t, suffix, `${where}[${i}]`));
  const outside: Tok = { prefix: 'O', type: '_' };
  const ext = [...toks, outside];
  const entities: StrictEntity[] = [];
  const sentence = options.sentence ?? 0;
  const validate = (i: number) => {
    if (!def.allowed.includes(ext[i]!.prefix)) {
      throw new MetricInputError(
        `${where}[${i}] is ${JSON.stringify(tags[i])}: prefix ${ext[i]!.prefix} is not allowed in ${scheme} ` +
          `(allowed: ${def.allowed.split('').join(', ')})`,
      );
    }
  };
  let i = 0;
  let prev = outside;
  while (i < ext.length) {
    const token = ext[i]!;
    validate(i);
    if (matches(prev, token, def.start)) {
      // _forward: extend while each token is inside given the previous one
      let end = toks.length - 1;
      let p = token;
      for (let j = i + 1; j < ext.length; j++) {
        if (matches(p, ext[j]!, def.inside)) p = ext[j]!;
        else {
          end = j;
          break;
        }
      }
      if (matches(ext[end - 1]!, ext[end]!, def.end)) {
        entities.push({ sentence, type: token.type, start: i, end });
      }
      i = end;
    } else i += 1;
    prev = ext[i - 1]!;
  }
  return entities;
}

/**
 * seqeval's `auto_detect`: which of IOB2, IOE2, IOBES, BILOU the tag prefixes fit.
 * @throws MetricInputError when none fits.
 */
export function detectScheme(sequences: readonly (readonly string[])[], suffix = false): TaggingScheme {
  const prefixes = new Set<string>();
  sequences.forEach((seq, s) => {
    seq.forEach((t, i) => {
      prefixes.add(parseToken(t, suffix, `sequences[${s}][${i}]`).prefix);
    });
  });
  const key = [...prefixes].sort().join('');
  const fits = (sets: string[]) => sets.some((x) => x.split('').sort().join('') === key);
  if (fits(['IOB', 'IB', 'BO', 'B'])) return 'IOB2';
  if (fits(['IOE', 'IE', 'EO', 'E'])) return 'IOE2';
  if (fits(['IOBES', 'IBES', 'IOBE', 'OBES', 'IBE', 'BES', 'OBE', 'BE', 'S'])) return 'IOBES';
  if (fits(['IOBLU', 'IBLU', 'IOBL', 'OBLU', 'IBL', 'BLU', 'OBL', 'BL', 'U'])) return 'BILOU';
  throw new MetricInputError(`This scheme is not supported: tag prefixes {${[...prefixes].join(', ')}}`);
}
