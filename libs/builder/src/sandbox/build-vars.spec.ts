import { expectFailure } from '../expect-pipeline-error.fixture';
import { substituteVars } from './build-vars';

describe('substituteVars', () => {
  const vars = { 'package.version': '7.0.15', 'package.name': 'redis', arch: 'amd64' };

  it('replaces known variables, dotted or not', () => {
    expect(substituteVars('make V=${package.version} ${package.name}-${arch}', vars, 'runs')).toBe(
      'make V=7.0.15 redis-amd64',
    );
  });

  it('leaves shell variables and expansions alone', () => {
    const shell = 'echo ${PATH} ${HOME:-/root} ${#x} ${x-y} $arch ${arch2} $${arch}';
    expect(substituteVars(shell, vars, 'runs')).toBe('echo ${PATH} ${HOME:-/root} ${#x} ${x-y} $arch ${arch2} $amd64');
  });

  it('refuses an unknown dotted variable, naming it and where it is', () => {
    expectFailure(
      () => substituteVars('cd ${package.full-version}', vars, 'contents.builds[0].pipeline[2].runs'),
      'build-var-unknown',
      'contents.builds[0].pipeline[2].runs: variable "${package.full-version}" is unknown (known: package.name, package.version)',
    );
    expectFailure(() => substituteVars('${a.b}', {}, 'x'), 'build-var-unknown', 'no dotted variables are defined');
  });
});
