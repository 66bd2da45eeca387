/**
 * Gate checks → JUnit XML, so that CI systems (GitHub Actions test reporters, GitLab, Jenkins) list
 * every aggregation × metric as a test case; a regressed metric is a `<failure>`.
 */
import type { GateCheck } from './gate.js';
import { metricInfo } from './metric-keys.js';

/** Escapes the five XML special characters and drops characters XML 1.0 cannot hold. */
export function xmlEscape(s: string): string {
  return s
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

export interface JunitSuite {
  /** e.g. `facebench gate: current.json vs baseline.json`. */
  name: string;
  checks: GateCheck[];
}

export function gateJunit(suite: JunitSuite): string {
  const failures = suite.checks.filter((c) => !c.passed).length;
  const n = suite.checks.length;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="facebench gate" tests="${n}" failures="${failures}" errors="0" time="0">`,
    `  <testsuite name="${xmlEscape(suite.name)}" tests="${n}" failures="${failures}" errors="0" skipped="0" time="0">`,
  ];
  for (const c of suite.checks) {
    const open = `    <testcase classname="${xmlEscape(`facebench.gate.${c.row}`)}" name="${xmlEscape(metricName(c.metric))}" time="0"`;
    if (c.passed) {
      lines.push(`${open}>`, `      <system-out>${xmlEscape(c.reason)}</system-out>`, '    </testcase>');
    } else {
      lines.push(
        `${open}>`,
        `      <failure type="regression" message="${xmlEscape(`${c.row} ${metricName(c.metric)}: ${c.reason}`)}">${xmlEscape(
          `baseline ${c.baseline}\ncurrent ${c.current}\ndelta ${c.delta}\n${c.reason}`,
        )}</failure>`,
        '    </testcase>',
      );
    }
  }
  lines.push('  </testsuite>', '</testsuites>', '');
  return lines.join('\n');
}

function metricName(key: string): string {
  return metricInfo(key)?.title ?? key;
}
