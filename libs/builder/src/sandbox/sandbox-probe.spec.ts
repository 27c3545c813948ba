import { readFileSync } from 'node:fs';
import { findChrootTools, findHostTool } from './host-tools';
import { AS_ROOT, requireRoot } from './host-root.fixture';
import { probeSandbox } from './sandbox-probe';

describe('probeSandbox', () => {
  it('finds bubblewrap working with the flags steps use', async () => {
    const bwrap = await findHostTool('bwrap');
    if (bwrap === undefined)
      throw new Error('bwrap is not on the PATH: install bubblewrap (infra/scripts/ensure-tools.sh)');
    expect(await probeSandbox({ kind: 'bwrap', bwrap, asRoot: AS_ROOT })).toBeUndefined();
  });

  it('finds the chroot fallback working, without touching the host mounts', async () => {
    requireRoot('the chroot fallback');
    const { tools, missing } = await findChrootTools();
    if (tools === undefined)
      throw new Error(`the chroot fallback's tools are missing: ${missing.join(', ')} (infra/scripts/ensure-tools.sh)`);
    const before = readFileSync('/proc/self/mountinfo', 'utf8');
    expect(await probeSandbox({ kind: 'chroot', tools, asRoot: true })).toBeUndefined();
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).toBe(before);
  });

  it('says what failed when the sandbox tool does not work', async () => {
    const broken = await findHostTool('false');
    expect(await probeSandbox({ kind: 'bwrap', bwrap: broken ?? '/nonexistent', asRoot: AS_ROOT })).toMatch(
      /a trivial sandbox failed with exit code 1|could not be started/,
    );
    expect(await probeSandbox({ kind: 'bwrap', bwrap: '/nonexistent/bwrap', asRoot: AS_ROOT })).toContain(
      'could not be started',
    );
  });
});
