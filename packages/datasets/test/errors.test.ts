import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import {
  alpacaRecord,
  chatRecord,
  DataError,
  Dataset,
  readFiles,
  readRecords,
  shareGptRecord,
  streamFiles,
  textLabelRecord,
  tokensTagsRecord,
  type ValidationReport,
} from '../src/index.js';
import { collect, failure, fixture, tempDir } from './helpers.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

/** The message a read of `path` fails with. */
async function readError(path: string, options = {}): Promise<string> {
  const err = await failure(readRecords(path, options));
  expect(err).toBeInstanceOf(DataError);
  return err.message;
}

describe('malformed files name file and line', () => {
  it('JSON Lines', async () => {
    const path = tmp.write('bad.jsonl', '{"text": "a"}\n{"text": "b"}\n{"text": "c",}\n');
    const err = (await failure(readRecords(path))) as DataError;
    expect(err.file).toBe(path);
    expect(err.line).toBe(3);
    // The reason after "invalid JSON: " is V8's own JSON.parse message.
    expect(err.message).toMatch(new RegExp(`^${escapeRe(path)}:3: invalid JSON: \\S`));
  });

  it('JSON arrays: the line of the problem inside a multi-line element, trailing commas, truncation', async () => {
    const multi = tmp.write(
      'multi.json',
      '[\n  {"text": "a"},\n  {"text":\n     "b" "c"},\n  {"text": "d"}\n]\n',
    );
    const err = (await failure(readRecords(multi))) as DataError;
    expect(err.line).toBe(4);
    expect(err.message).toMatch(new RegExp(`^${escapeRe(multi)}:4: invalid JSON: `));
    expect(await readError(tmp.write('trailing.json', '[\n{"a": 1},\n]'))).toBe(
      `${tmp.dir}/trailing.json:3: invalid JSON: missing array element (stray or trailing comma?)`,
    );
    expect(await readError(tmp.write('cut.json', '[{"a": 1},\n {"a": "x'))).toBe(
      `${tmp.dir}/cut.json:2: invalid JSON: unexpected end of file inside the array (unterminated string)`,
    );
    expect(await readError(tmp.write('after.json', '[1]\n x'))).toBe(
      `${tmp.dir}/after.json:2: invalid JSON: unexpected text after the closing "]"`,
    );
    expect(await readError(tmp.write('object.json', '{\n  "data": [1, 2]\n}\n'))).toBe(
      `${tmp.dir}/object.json:1: invalid JSON: Expected property name or '}' in JSON at position 1 (a .json file must hold a JSON array of records, or one JSON record per line)`,
    );
    expect(await readError(tmp.write('brace.json', '[{"a": 1}},\n{"b": 2}]'))).toBe(
      `${tmp.dir}/brace.json:1: invalid JSON: unexpected "}"`,
    );
  });

  it('CSV/TSV', async () => {
    const count = tmp.write('count.tsv', 'label\ttext\n1\tgood\n0\tbad\textra\n');
    expect(await readError(count)).toBe(`${count}:3: expected 2 fields (label, text), got 3`);
    const open = tmp.write('open.csv', 'label,text\n1,"never\nclosed\n');
    expect(await readError(open)).toBe(`${open}:2: unterminated quoted field (end of file inside quotes)`);
    const after = tmp.write('after.csv', 'label,text\n1,"quoted"x\n');
    expect(await readError(after)).toBe(`${after}:2: unexpected "x" after the closing quote of field 2`);
    expect(await readError(fixture('sst2-dev-excerpt.tsv'), { columns: ['sentence'] })).toBe(
      `${fixture('sst2-dev-excerpt.tsv')}:1: column "sentence" not found; the columns are: label, content`,
    );
    const typed = tmp.write('typed.csv', 'text,label\na,1\nb,0\nc,pos\n');
    expect(await readError(typed, { columnTypes: { label: 'int' } })).toBe(
      `${typed}:4: label: expected an integer, got "pos"`,
    );
  });

  it('CoNLL', async () => {
    const path = tmp.write('bad.conll', 'Alice\tB-PER\nvisited\tO\nParis\n\n');
    expect(await readError(path)).toBe(`${path}:3: expected at least 2 columns, got 1 ("Paris")`);
  });

  it('CoNLL-U', async () => {
    const lines = readFileSync(fixture('ewt-dev-excerpt.conllu'), 'utf8').split('\n');
    const nine = [...lines];
    nine[6] = nine[6].split('\t').slice(0, 9).join('\t'); // line 7: a word line with 9 columns
    const p9 = tmp.write('nine.conllu', nine.join('\n'));
    expect(await readError(p9)).toBe(`${p9}:7: expected 10 tab-separated columns, got 9`);
    const badId = [...lines];
    badId[5] = `x${badId[5]}`; // line 6 is word 2 of sentence 1
    const pid = tmp.write('id.conllu', badId.join('\n'));
    expect(await readError(pid)).toBe(
      `${pid}:6: ID: expected an integer word index, a range like "1-2" or an empty node like "1.1", got "x2"`,
    );
    const merged = [...lines];
    merged.splice(11, 1); // drop the blank line that ends sentence 1
    const pm = tmp.write('merged.conllu', merged.join('\n'));
    expect(await readError(pm)).toBe(
      `${pm}:15: ID: expected word 8, got 1 (missing blank line between sentences?)`,
    );
  });

  it('bytes: bad gzip, invalid UTF-8, missing file', async () => {
    const gz = gzipSync(Buffer.from('{"text": "a"}\n'.repeat(1000)));
    const cut = tmp.write('cut.jsonl.gz', gz.subarray(0, gz.length - 20));
    expect(await readError(cut)).toBe(`${cut}: corrupt or truncated gzip data (unexpected end of file)`);
    const utf = tmp.write(
      'utf.jsonl',
      Buffer.concat([
        Buffer.from('{"text": "ok"}\n{"text": "'),
        Buffer.from([0xff, 0xfe]),
        Buffer.from('"}\n'),
      ]),
    );
    expect(await readError(utf)).toBe(`${utf}:2: invalid UTF-8 at byte 25 (0xff)`);
    const text = tmp.write(
      'latin1.txt',
      Buffer.concat([Buffer.from('ok\nok\n'.repeat(3)), Buffer.from('caf\xe9\n', 'latin1')]),
    );
    expect(await readError(text)).toBe(`${text}:7: invalid UTF-8 at byte 21 (0xe9)`);
    expect(await readError(text, { sampleBy: 'document' })).toBe(
      `${text}:7: invalid UTF-8 at byte 21 (0xe9)`,
    );
    expect(await readError(`${tmp.dir}/nope.jsonl`)).toBe(`${tmp.dir}/nope.jsonl: no such file`);
    expect(await readError(`${tmp.dir}/nope.xyz`)).toBe(
      `${tmp.dir}/nope.xyz: cannot tell the format from the file name; pass format: 'jsonl' | 'json' | 'csv' | 'tsv' | 'text' | 'conll' | 'conllu'`,
    );
  });
});

describe('schema errors name file, line and field', () => {
  it('the chat role error, exactly as documented, at line 1812', async () => {
    const good = JSON.stringify({
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'hello' },
      ],
    });
    const bad = JSON.stringify({
      messages: [
        { role: 'system', content: 's' },
        { role: 'user', content: 'u' },
        { role: 'bot', content: 'b' },
      ],
    });
    const lines = Array.from({ length: 1811 }, () => good);
    lines.push(bad, good);
    const path = tmp.write('data.jsonl', `${lines.join('\n')}\n`);
    const err = (await failure(readFiles([path], { schema: chatRecord }))) as DataError;
    expect(err.message).toBe(`${path}:1812: messages[2].role: expected "system" | "user" | "assistant"`);
    expect([err.file, err.line, err.field, err.reason]).toEqual([
      path,
      1812,
      'messages[2].role',
      'expected "system" | "user" | "assistant"',
    ]);
    // With a display name, the message is exactly the documented one.
    const named = (await failure(
      readFiles([{ path, displayName: 'data.jsonl' }], { schema: chatRecord }),
    )) as DataError;
    expect(named.message).toBe('data.jsonl:1812: messages[2].role: expected "system" | "user" | "assistant"');
  });

  it('every record shape', async () => {
    const cases: Array<[unknown, object, string]> = [
      [chatRecord, { messages: [{ role: 'user' }] }, 'messages[0].content: missing (expected string)'],
      [chatRecord, { messages: [] }, 'messages: expected at least 1 item, got 0'],
      [chatRecord, [1, 2], 'expected object, got array'],
      [
        shareGptRecord,
        {
          conversations: [
            { from: 'human', value: 'a' },
            { from: 'user', value: 'b' },
          ],
        },
        'conversations[1].from: expected "system" | "human" | "gpt"',
      ],
      [
        shareGptRecord,
        { conversations: [{ from: 'gpt', value: 3 }] },
        'conversations[0].value: expected string, got number 3',
      ],
      [alpacaRecord, { instruction: 'x', input: '' }, 'output: missing (expected string)'],
      [textLabelRecord, { text: 't', label: true }, 'label: expected number | string, got boolean true'],
      [textLabelRecord, { text: 't', label: 1.5 }, 'label: expected integer | string, got number 1.5'],
      [tokensTagsRecord, { tokens: ['a', 'b'], tags: ['O'] }, 'tags: expected 2 tags (one per token), got 1'],
      [tokensTagsRecord, { tokens: ['a', 7], tags: ['O', 'O'] }, 'tokens[1]: expected string, got number 7'],
    ];
    for (const [i, [schema, record, reason]] of cases.entries()) {
      // A blank first line: the record sits on line 2.
      const path = tmp.write(`shape${i}.jsonl`, `\n${JSON.stringify(record)}\n`);
      const err = await failure(readFiles([path], { schema: schema as typeof chatRecord }));
      expect(err).toBeInstanceOf(DataError);
      expect(err.message).toBe(`${path}:2: ${reason}`);
    }
  });

  it('errors from CSV rows and CoNLL sentences point at their lines', async () => {
    const path = tmp.write('labels.csv', 'text,label\ngood,1\nbad,\n');
    const strict = z.object({ text: z.string(), label: z.number().int() });
    expect((await failure(readFiles([path], { schema: strict }))).message).toBe(
      `${path}:2: label: expected number, got string "1"`,
    );
    expect(
      (await failure(readFiles([path], { schema: strict, columnTypes: { label: 'int' } }))).message,
    ).toBe(`${path}:3: label: expected an integer, got ""`);
    const tags = await readFiles([fixture('docstart.conll')], { schema: tokensTagsRecord });
    expect(tags.length).toBe(4);
    expect(tags.location(2)).toEqual({ file: fixture('docstart.conll'), line: 13 });
  });
});

describe("onError: 'skip'", () => {
  const lines = [
    '{"text": "one", "label": 1}',
    '{"text": "two", "label": 0}',
    '{"text": "three", "label": }', // malformed JSON (line 3)
    '{"text": "four", "label": 1}',
    '{"txt": "five", "label": 1}', // missing text (line 5)
    '{"text": "six", "label": 0}',
    '{"text": "seven", "label": [1]}', // bad label (line 7)
    '{"text": "eight", "label": 0}',
    '{"text": "nine", "label": 1}',
    '{"text": "ten", "label": 0}',
  ];

  it('drops bad records, counts them and keeps the first errors', async () => {
    const path = tmp.write('mixed.jsonl', `${lines.join('\n')}\n`);
    const reports: ValidationReport[] = [];
    const ds = await readFiles([path], {
      schema: textLabelRecord,
      onError: 'skip',
      maxReportedErrors: 2,
      onReport: (r) => reports.push(r),
    });
    expect(ds.toArray().map((r) => r.text)).toEqual(['one', 'two', 'four', 'six', 'eight', 'nine', 'ten']);
    expect(ds.location(2)).toEqual({ file: path, line: 4 });
    expect(reports).toHaveLength(1);
    expect(ds.report).toBe(reports[0]);
    expect([ds.report!.total, ds.report!.valid, ds.report!.skipped]).toEqual([10, 7, 3]);
    expect(ds.report!.errors.map((e) => e.line)).toEqual([3, 5]);
    expect(ds.report!.errors[1].message).toBe(`${path}:5: text: missing (expected string)`);
  });

  it('warns once on stderr by default, and streams report per iteration', async () => {
    const path = tmp.write('mixed2.jsonl', `${lines.join('\n')}\n`);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const stream = streamFiles([path], { schema: textLabelRecord, onError: 'skip' });
      expect(await collect(stream)).toHaveLength(7);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(warn.mock.calls[0][0]).toMatch(
        new RegExp(
          `^@gptft/datasets: skipped 3 of 10 records \\(${escapeRe(path)}:3: invalid JSON: .*; ${escapeRe(path)}:5: text: missing \\(expected string\\); ${escapeRe(path)}:7: label: expected number \\| string, got array\\)$`,
        ),
      );
      expect(stream.report!.skipped).toBe(3);
    } finally {
      warn.mockRestore();
    }
  });

  it('skips bad CSV rows and CoNLL sentences too', async () => {
    const csv = tmp.write('rows.csv', 'text,label\na,1\nb,1,extra\nc,"x"y\nd,0\n');
    const ds = await readFiles([csv], { onError: 'skip', onReport: () => {} });
    expect(ds.toArray()).toEqual([
      { text: 'a', label: '1' },
      { text: 'd', label: '0' },
    ]);
    expect(ds.report!.errors.map((e) => e.message)).toEqual([
      `${csv}:3: expected 2 fields (text, label), got 3`,
      `${csv}:4: unexpected "y" after the closing quote of field 2`,
    ]);
    const conll = tmp.write('s.conll', 'a\tO\nb\n\nc\tO\n\nd\tB-X\ne\n\n');
    const s = await readFiles([conll], { onError: 'skip', onReport: () => {} });
    expect(s.toArray()).toEqual([{ tokens: ['c'], tags: ['O'] }]);
    expect(s.report!.skipped).toBe(2);
  });

  it('Dataset.validate works on in-memory records', () => {
    const ds = Dataset.from([{ text: 'a', label: 0 }, { text: 1 }]).validate(textLabelRecord, {
      onError: 'skip',
      onReport: () => {},
    });
    expect(ds.length).toBe(1);
    expect(ds.report!.errors[0].message).toBe('<memory>:2: text: expected string, got number 1');
  });
});

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
