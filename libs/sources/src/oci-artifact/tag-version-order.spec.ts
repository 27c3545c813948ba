import { compareVersions } from './tag-version-order';

describe('compareVersions', () => {
  it('orders numerically, pre-releases before their release', () => {
    const sorted = ['1.10.0', '1.2.0', '1.2', '2.0.0-rc1', '2.0.0', '1.2.0-beta', '0.9', '10.0', '2.0.0~rc2'].sort(
      compareVersions,
    );
    expect(sorted).toEqual(['0.9', '1.2', '1.2.0-beta', '1.2.0', '1.10.0', '2.0.0-rc1', '2.0.0~rc2', '2.0.0', '10.0']);
  });

  it('treats equal versions as equal', () => {
    expect(compareVersions('1.02', '1.2')).toBe(0);
  });
});
