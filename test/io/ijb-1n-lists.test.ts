// The 1:N list reader: the in-place fast path and the general path give the same rows and line numbers.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTemplateSubjectList } from '../../src/io/ijb-1n-lists.js';
import { tempDir } from '../helpers/cli.js';

/** Brute force: each non-blank line after the header, its first two comma-separated fields as numbers. */
function expected(text: string): { templates: number[]; subjects: number[]; lines: number[] } {
  const out = { templates: [] as number[], subjects: [] as number[], lines: [] as number[] };
  let header = true;
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') return;
    if (header) return void (header = false);
    const [t, s] = line.split(',');
    out.templates.push(Number(t));
    out.subjects.push(Number(s));
    out.lines.push(i + 1);
  });
  return out;
}

describe('readTemplateSubjectList', () => {
  it('plain, padded, signed, CRLF, blank and long-id lines', () => {
    const text = [
      'TEMPLATE_ID,SUBJECT_ID,FILENAME',
      '125756,2321,img/1.jpg',
      '',
      ' 7 ,\t8\t,img/2.jpg\r',
      '+12,-0,frames/3.png',
      '   ',
      '\t',
      '1234567890123456,99',
      '42,43',
      '-5,6,a,b,c',
    ].join('\n');
    const file = join(tempDir(), 'list.csv');
    writeFileSync(file, text);
    const r = readTemplateSubjectList(file);
    const e = expected(text);
    expect(Array.from(r.templateIds)).toEqual(e.templates);
    expect(Array.from(r.subjectIds)).toEqual(e.subjects);
    expect(Array.from(r.lines)).toEqual(e.lines);
    expect(Object.is(r.subjectIds[2], -0)).toBe(true); // '-0' reads as Number('-0'), on either path
  });

  it('a field the fast path refuses still gets the one-line error', () => {
    const file = join(tempDir(), 'bad.csv');
    writeFileSync(file, 'TEMPLATE_ID,SUBJECT_ID\n1,2\n3,4x\n');
    expect(() => readTemplateSubjectList(file)).toThrow(/bad\.csv:3: expected a subject id \(an integer\), found '4x'/);
  });
});
