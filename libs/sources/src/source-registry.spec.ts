import { TerminalError } from '@patch-factory/contracts';
import { createSource, SOURCES } from './source-registry';

describe('source registry', () => {
  it('creates every registered source by its track type', () => {
    for (const kind of Object.keys(SOURCES)) expect(createSource(kind).kind).toBe(kind);
  });

  it('refuses an unknown or inherited kind', () => {
    expect(() => createSource('npm_package')).toThrow(TerminalError);
    expect(() => createSource('toString')).toThrow(/no source serves/);
  });
});
