import { cvss3BaseScore, roundUp } from './cvss31';
import { cvss4Severity, ratingOf, severityOfUrgency, severityOfWord } from './severity';

describe('CVSS v3.1 base score (spec formula)', () => {
  it.each([
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 9.8],
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H', 10],
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N', 6.1],
    ['CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N', 5.5],
    ['CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N', 5.9],
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H', 7.5],
    ['CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H', 7.8],
    ['CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N', 6.4],
    ['CVSS:3.0/AV:P/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N', 1.6],
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N', 0],
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/RL:O', 9.8],
  ])('%s = %d', (vector, score) => {
    expect(cvss3BaseScore(vector)).toBe(score);
  });

  it('rounds up as the spec does, free of float error', () => {
    expect(roundUp(4.00001)).toBe(4.1);
    expect(roundUp(4.000001)).toBe(4); // float noise below 1e-5 is not rounded up
    expect(roundUp(4.02)).toBe(4.1);
    expect(roundUp(4.0)).toBe(4);
  });

  it.each([
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H', /base metric A is missing/],
    ['CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', /base metric AV is "X"/],
    ['CVSS:3.1/AV:N/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', /malformed or repeated/],
    ['CVSS:2.0/AV:N', /expected a CVSS:3.0 or CVSS:3.1 vector/],
  ])('refuses %s with a located error', (vector, message) => {
    expect(() => cvss3BaseScore(vector, 'feed.json severity[0]')).toThrow(message);
    expect(() => cvss3BaseScore(vector, 'feed.json severity[0]')).toThrow(/^feed\.json severity\[0\]: /);
  });
});

describe('severity mappings', () => {
  it('rates scores', () => {
    expect([0, 0.1, 3.9, 4, 6.9, 7, 8.9, 9, 10].map(ratingOf)).toEqual([
      'none',
      'low',
      'low',
      'medium',
      'medium',
      'high',
      'high',
      'critical',
      'critical',
    ]);
  });

  it('maps tracker urgencies, unreviewed marks dropped', () => {
    expect(
      ['unimportant', 'low', 'low**', 'medium', 'medium*', 'high', 'not yet assigned', 'end-of-life', 7].map(
        severityOfUrgency,
      ),
    ).toEqual(['low', 'low', 'low', 'medium', 'medium', 'high', 'unknown', 'unknown', 'unknown']);
  });

  it('maps feed words', () => {
    expect(['MODERATE', 'Critical', 'low', 'bogus'].map(severityOfWord)).toEqual([
      'medium',
      'critical',
      'low',
      'unknown',
    ]);
  });

  it('takes a v4 score when given, else maps the vector', () => {
    expect(cvss4Severity('9.3')).toEqual({ severity: 'critical', score: 9.3 });
    expect(cvss4Severity('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N')).toEqual({
      severity: 'critical',
    });
    expect(cvss4Severity('CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N')).toEqual({
      severity: 'high',
    });
    expect(cvss4Severity('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N')).toEqual({
      severity: 'medium',
    });
    expect(cvss4Severity('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N')).toEqual({
      severity: 'low',
    });
    expect(() => cvss4Severity('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/XX:N', 'x')).toThrow(
      /SA is missing/,
    );
  });
});
