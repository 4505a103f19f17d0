import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { inferFormat, isGzipFile, readLines, readRecords } from '../src/index.js';
import { collect, fixture, tempDir } from './helpers.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

// Expected values below were computed independently with Python's json/csv modules and plain
// string splitting over the same fixture files (see test/fixtures/README.md).

describe('CoNLL (WNUT 17, lone-tab sentence separators)', () => {
  it('reads sentences with tokens and tags, located at their first line', async () => {
    const recs = await collect(readRecords(fixture('wnut17-train-excerpt.conll')));
    expect(recs).toHaveLength(30);
    expect(recs.reduce((n, r) => n + (r.value as { tokens: string[] }).tokens.length, 0)).toBe(482);
    const first = recs[0];
    expect(first.line).toBe(1);
    expect((first.value as { tokens: string[] }).tokens.slice(0, 4)).toEqual([
      '@paulwalk',
      'It',
      "'s",
      'the',
    ]);
    expect((first.value as { tags: string[] }).tags.slice(13, 20)).toEqual([
      'O',
      'B-location',
      'I-location',
      'I-location',
      'O',
      'B-location',
      'O',
    ]);
    expect(recs[29].line).toBe(484);
    expect((recs[29].value as { tokens: string[] }).tokens).toHaveLength(28);
  });

  it('skips -DOCSTART- lines, which also end sentences, and picks columns by index', async () => {
    const recs = await collect(readRecords(fixture('docstart.conll')));
    expect(recs.map((r) => [r.line, r.value])).toEqual([
      [3, { tokens: ['Alice', 'visited', 'Paris', '.'], tags: ['B-PER', 'O', 'B-LOC', 'O'] }],
      [8, { tokens: ['Bob', 'stayed'], tags: ['B-PER', 'O'] }],
      [
        13,
        { tokens: ['The', 'New', 'York', 'Times', 'reported'], tags: ['O', 'B-ORG', 'I-ORG', 'I-ORG', 'O'] },
      ],
      [19, { tokens: ['End'], tags: ['O'] }],
    ]);
    const pos = await collect(
      readRecords(fixture('docstart.conll'), { columns: { words: 0, pos: 1, chunks: 2 } }),
    );
    expect(pos[0].value).toEqual({
      words: ['Alice', 'visited', 'Paris', '.'],
      pos: ['NNP', 'VBD', 'NNP', '.'],
      chunks: ['B-NP', 'B-VP', 'B-NP', 'O'],
    });
  });
});

describe('CoNLL-U (UD English EWT)', () => {
  it('keeps syntactic words only: skips ranges (1-2) and empty nodes (8.1) and comments', async () => {
    const recs = await collect(readRecords(fixture('ewt-dev-excerpt.conllu')));
    const values = recs.map((r) => r.value as { tokens: string[]; tags: string[] });
    expect(values.map((v) => v.tokens.length)).toEqual([7, 19, 29, 1, 30, 18, 31, 16, 18, 9, 33]);
    expect(recs.map((r) => r.line)).toEqual([1, 13, 36, 68, 72, 105, 128, 163, 183, 205, 217]);
    expect(values[0]).toEqual({
      tokens: ['From', 'the', 'AP', 'comes', 'this', 'story', ':'],
      tags: ['ADP', 'DET', 'PROPN', 'VERB', 'DET', 'NOUN', 'PUNCT'],
    });
    // "Today's" (1-2) → Today + 's; "didn't" (29-30) → did + n't.
    expect(values[7].tokens.slice(0, 3)).toEqual(['Today', "'s", 'incident']);
    expect(values[7].tags.slice(0, 3)).toEqual(['NOUN', 'PART', 'NOUN']);
    expect(values[6].tokens.slice(28, 30)).toEqual(['did', "n't"]);
    // The empty node "8.1 write" is not a word of the last sentence.
    expect(values[10].tokens.slice(6, 9)).toEqual(['they', 'like', 'about']);
    expect(values[10].tags).toHaveLength(33);
  });

  it('chooses columns by name and collects # key = value metadata', async () => {
    const recs = await collect(
      readRecords(fixture('ewt-dev-excerpt.conllu'), {
        columns: { tokens: 'FORM', tags: 'XPOS', lemmas: 'LEMMA' },
        metadata: true,
      }),
    );
    expect(recs[0].value).toEqual({
      tokens: ['From', 'the', 'AP', 'comes', 'this', 'story', ':'],
      tags: ['IN', 'DT', 'NNP', 'VBZ', 'DT', 'NN', ':'],
      lemmas: ['from', 'the', 'AP', 'come', 'this', 'story', ':'],
      meta: {
        'newdoc id': 'weblog-blogspot.com_nominations_20041117172713_ENG_20041117_172713',
        sent_id: 'weblog-blogspot.com_nominations_20041117172713_ENG_20041117_172713-0001',
        'newpar id': 'weblog-blogspot.com_nominations_20041117172713_ENG_20041117_172713-p0001',
        text: 'From the AP comes this story :',
      },
    });
  });
});

describe('CSV / TSV', () => {
  it('reads SST-2 TSV with its header, renaming and typing columns', async () => {
    const all = await collect(readRecords(fixture('sst2-dev-excerpt.tsv')));
    expect(all).toHaveLength(40);
    expect(all[0]).toEqual({
      value: { label: '0', content: 'one long string of cliches .' },
      file: fixture('sst2-dev-excerpt.tsv'),
      line: 2,
    });
    const typed = await collect(
      readRecords(fixture('sst2-dev-excerpt.tsv'), {
        columns: { text: 'content', label: 'label' },
        columnTypes: { label: 'int' },
      }),
    );
    expect(typed[39].value).toEqual({ text: 'directed in a paint-by-numbers manner .', label: 0 });
    expect(typed[39].line).toBe(41);
    expect(typed.filter((r) => (r.value as { label: number }).label === 1)).toHaveLength(19);
  });

  it('handles RFC 4180 quoting: delimiters, doubled quotes and line breaks inside quotes; CRLF; BOM', async () => {
    const path = tmp.write(
      'quoted.csv',
      '\ufeffid,text,label\r\n1,"hello, world",pos\r\n2,"she said ""hi""",neg\r\n\r\n3,"two\r\nlines",pos\r\n4,plain "mid" quote,neg\r\n',
    );
    const recs = await collect(readRecords(path));
    expect(recs.map((r) => [r.line, r.value])).toEqual([
      [2, { id: '1', text: 'hello, world', label: 'pos' }],
      [3, { id: '2', text: 'she said "hi"', label: 'neg' }],
      [5, { id: '3', text: 'two\nlines', label: 'pos' }],
      [7, { id: '4', text: 'plain "mid" quote', label: 'neg' }],
    ]);
    const noHeader = tmp.write('nohead.csv', 'a,1\nb,0\n');
    expect(
      (
        await collect(
          readRecords(noHeader, {
            header: false,
            columnNames: ['text', 'label'],
            columnTypes: { label: 'boolean' },
          }),
        )
      ).map((r) => r.value),
    ).toEqual([
      { text: 'a', label: true },
      { text: 'b', label: false },
    ]);
  });
});

describe('JSON Lines and JSON arrays', () => {
  it('reads self-instruct JSONL records with their line numbers', async () => {
    const recs = await collect(readRecords(fixture('seed-tasks-excerpt.jsonl')));
    expect(recs).toHaveLength(20);
    expect(recs[19].line).toBe(20);
    expect((recs[19].value as { id: string }).id).toBe('seed_task_19');
  });

  it('streams the elements of a JSON array, each located at its first line', async () => {
    const recs = await collect(readRecords(fixture('dummy-conversation-excerpt.json')));
    expect(recs).toHaveLength(12);
    expect(recs.map((r) => (r.value as { conversations: unknown[] }).conversations.length)).toEqual([
      4, 2, 6, 4, 2, 6, 4, 2, 6, 4, 2, 6,
    ]);
    // Independently: the line of each `  {` that opens an element in the 2-space-indented file.
    const lines = readFileSync(fixture('dummy-conversation-excerpt.json'), 'utf8').split('\n');
    const starts = lines.flatMap((l, i) => (l === '  {' ? [i + 1] : []));
    expect(recs.map((r) => r.line)).toEqual(starts);
    expect((recs[11].value as { id: string }).id).toBe('identity_11');
  });

  it('handles arrays on one line, nested brackets and strings holding brackets, commas and escapes', async () => {
    const path = tmp.write('tricky.json', '[{"a": "],[{\\"x\\"}"}, [1, [2]],\n"s", 3\n, {"b": {"c": []}}]\n');
    const recs = await collect(readRecords(path));
    expect(recs.map((r) => [r.line, r.value])).toEqual([
      [1, { a: '],[{"x"}' }],
      [1, [1, [2]]],
      [2, 's'],
      [2, 3],
      [3, { b: { c: [] } }],
    ]);
    expect(await collect(readRecords(tmp.write('empty.json', ' [ ] ')))).toEqual([]);
  });

  it('reads a .json file that is really JSON Lines as JSON Lines (as HF does)', async () => {
    const path = tmp.write('lines.json', '{"text": "a"}\n\n{"text": "b"}\n');
    expect((await collect(readRecords(path))).map((r) => [r.line, r.value])).toEqual([
      [1, { text: 'a' }],
      [3, { text: 'b' }],
    ]);
  });
});

describe('plain text', () => {
  const text = 'First line.\nSecond line.\n\n\nNew paragraph\ncontinues.\n';
  it('line mode keeps empty lines as HF does, unless skipEmptyLines', async () => {
    const path = tmp.write('a.txt', text);
    expect((await collect(readRecords(path))).map((r) => r.value)).toEqual([
      { text: 'First line.' },
      { text: 'Second line.' },
      { text: '' },
      { text: '' },
      { text: 'New paragraph' },
      { text: 'continues.' },
    ]);
    expect(
      (await collect(readRecords(path, { skipEmptyLines: true, keepLinebreaks: true }))).map((r) => [
        r.line,
        r.value,
      ]),
    ).toEqual([
      [1, { text: 'First line.\n' }],
      [2, { text: 'Second line.\n' }],
      [5, { text: 'New paragraph\n' }],
      [6, { text: 'continues.\n' }],
    ]);
  });
  it('paragraph and document modes', async () => {
    const path = tmp.write('b.txt', text);
    expect(
      (await collect(readRecords(path, { sampleBy: 'paragraph' }))).map((r) => [r.line, r.value]),
    ).toEqual([
      [1, { text: 'First line.\nSecond line.' }],
      [5, { text: 'New paragraph\ncontinues.' }],
    ]);
    expect((await collect(readRecords(path, { sampleBy: 'document' }))).map((r) => r.value)).toEqual([
      { text },
    ]);
  });
});

describe('gzip', () => {
  it('is detected by magic bytes, whatever the name', async () => {
    const plain = await collect(readRecords(fixture('seed-tasks-excerpt.jsonl')));
    const gz = await collect(readRecords(fixture('seed-tasks-excerpt.jsonl.gz')));
    expect(gz.map((r) => [r.line, r.value])).toEqual(plain.map((r) => [r.line, r.value]));
    // A gzip file with no .gz in its name, and a plain file named .gz.
    const disguised = join(tmp.dir, 'conversations.json');
    copyFileSync(fixture('dummy-conversation-excerpt.json.gz'), disguised);
    expect(await isGzipFile(disguised)).toBe(true);
    const fromGz = await collect(readRecords(disguised));
    expect(fromGz.map((r) => [r.line, r.value])).toEqual(
      (await collect(readRecords(fixture('dummy-conversation-excerpt.json')))).map((r) => [r.line, r.value]),
    );
    const notGz = tmp.write('plain.jsonl.gz', '{"text": "not compressed"}\n');
    expect((await collect(readRecords(notGz))).map((r) => r.value)).toEqual([{ text: 'not compressed' }]);
  });

  it('reads multi-member gzip (concatenated streams) and every text format', async () => {
    const path = tmp.write(
      'multi.tsv.gz',
      Buffer.concat([gzipSync('label\ttext\n1\ta\n'), gzipSync('0\tb\n')]),
    );
    expect((await collect(readRecords(path))).map((r) => r.value)).toEqual([
      { label: '1', text: 'a' },
      { label: '0', text: 'b' },
    ]);
    const conllu = tmp.write('x.conllu.gz', gzipSync(readFileSync(fixture('ewt-dev-excerpt.conllu'))));
    expect(await collect(readRecords(conllu))).toHaveLength(11);
  });
});

describe('lines and formats', () => {
  it('keeps line numbers across chunk boundaries and long lines', async () => {
    const long = 'x'.repeat(100_000);
    const path = tmp.write('long.txt', `a\r\n${long}\nb`);
    const lines = await collect(readLines(path, { chunkSize: 1000 }));
    expect(lines.map((l) => [l.line, l.text.length])).toEqual([
      [1, 1],
      [2, 100_000],
      [3, 1],
    ]);
  });

  it('infers formats from names, ignoring .gz', () => {
    expect(inferFormat('a/train.jsonl.gz')).toBe('jsonl');
    expect(inferFormat('dev.TSV')).toBe('tsv');
    expect(inferFormat('en_ewt-ud-dev.conllu')).toBe('conllu');
    expect(inferFormat('wnut17train.conll')).toBe('conll');
    expect(inferFormat('emerging.test.annotated')).toBeUndefined();
    expect(inferFormat('README')).toBeUndefined();
  });
});
