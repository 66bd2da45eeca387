/**
 * Small CSV files (pair lists, the IJB-B clustering protocols) through csv-parse, loaded on first
 * use: fields trimmed, empty lines skipped, rows of any length, each record with its 1-based line.
 */
import { createRequire } from 'node:module';
import type * as CsvParseSync from 'csv-parse/sync';
import { DataError, at, oneLine } from '../errors.js';
import { readTextInput } from './input-file.js';

export interface CsvRecord {
  record: string[];
  info: { lines: number };
}

/** The file's records; a file csv-parse cannot read is one DataError line naming the line. */
export function readCsvRecords(file: string): CsvRecord[] {
  try {
    const { parse } = createRequire(import.meta.url)('csv-parse/sync') as typeof CsvParseSync;
    return parse(readTextInput(file), { info: true, skip_empty_lines: true, relax_column_count: true, trim: true }) as unknown as CsvRecord[];
  } catch (e) {
    if (e instanceof DataError) throw e;
    throw new DataError(at(file, (e as { lines?: number }).lines, `malformed CSV (${oneLine((e as Error).message, 120)})`));
  }
}
