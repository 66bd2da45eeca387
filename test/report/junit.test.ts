import { describe, expect, it } from 'vitest';
import { gateJunit, xmlEscape } from '../../src/report/junit.js';

describe('gate JUnit XML', () => {
  it('escapes names and messages', () => {
    expect(xmlEscape(`a<b>&"c"'\u0001`)).toBe('a&lt;b&gt;&amp;&quot;c&quot;&apos;');
  });
  it('one testcase per metric, a failure element for a regression', () => {
    const xml = gateJunit({
      name: 'suite <x>',
      checks: [
        { row: 'plain', metric: 'tar@1e-4', baseline: 0.95, current: 0.96, delta: 0.01, allowedDrop: 0, passed: true, reason: 'ok' },
        { row: 'mag&c', metric: 'accuracy', baseline: 0.99, current: 0.98, delta: -0.01, allowedDrop: 0, passed: false, reason: 'dropped 1 pp' },
      ],
    });
    expect(xml).toBe(
      [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<testsuites name="facebench gate" tests="2" failures="1" errors="0" time="0">',
        '  <testsuite name="suite &lt;x&gt;" tests="2" failures="1" errors="0" skipped="0" time="0">',
        '    <testcase classname="facebench.gate.plain" name="TAR@1e-4" time="0">',
        '      <system-out>ok</system-out>',
        '    </testcase>',
        '    <testcase classname="facebench.gate.mag&amp;c" name="accuracy" time="0">',
        '      <failure type="regression" message="mag&amp;c accuracy: dropped 1 pp">baseline 0.99',
        'current 0.98',
        'delta -0.01',
        'dropped 1 pp</failure>',
        '    </testcase>',
        '  </testsuite>',
        '</testsuites>',
        '',
      ].join('\n'),
    );
  });
});
