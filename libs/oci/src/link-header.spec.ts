import { nextLink } from './link-header';

describe('nextLink', () => {
  const base = 'http://127.0.0.1:5000';

  it('resolves the rel="next" target against the registry', () => {
    expect(nextLink('</v2/pf/demo/tags/list?n=2&last=b>; rel="next"', base)?.href).toBe(
      'http://127.0.0.1:5000/v2/pf/demo/tags/list?n=2&last=b',
    );
    expect(nextLink('<https://x/prev>; rel="prev", <https://x/next>; rel=next', base)?.href).toBe('https://x/next');
  });

  it('ignores other relations and garbage', () => {
    expect(nextLink('</v2/a/tags/list>; rel="prev"', base)).toBeUndefined();
    expect(nextLink('not a link', base)).toBeUndefined();
    expect(nextLink(null, base)).toBeUndefined();
    expect(nextLink('<http://[bad>; rel="next"', base)).toBeUndefined();
  });
});
