/** Number formatting shared by every reporter. */
import { pythonFixed } from '../numeric/python.js';

/** FAR target as a JSON key and column title: 1e-6, 1e-3, 5e-2 … */
export function farKey(far: number): string {
  return far.toExponential().replace('e+', 'e');
}

/** A rate as a percentage with two decimals, as ijb_11.py prints ('%.2f' % (tar * 100)). */
export function percent(rate: number): string {
  // pythonFixed, not toFixed: an exact binary half (12.125) rounds to even as Python prints it
  return Number.isNaN(rate) ? 'NaN' : pythonFixed(rate * 100, 2);
}

/** JSON has no Infinity or NaN: both become null (documented in the README's schema). */
export function jsonNumber(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

/** Left-aligned first column, right-aligned others, two spaces between. */
export function alignColumns(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows
    .map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ').trimEnd())
    .join('\n');
}

export function markdownTable(rows: string[][]): string {
  const [head, ...body] = rows;
  const line = (r: string[]): string => `| ${r.join(' | ')} |`;
  return [line(head), `|${head.map((_, c) => (c === 0 ? ' --- ' : ' ---: ')).join('|')}|`, ...body.map(line)].join('\n');
}

export function csvLine(cells: (string | number)[]): string {
  return cells
    .map((c) => {
      const s = String(c);
      return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
    })
    .join(',');
}
