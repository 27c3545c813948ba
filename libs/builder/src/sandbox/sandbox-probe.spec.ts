import { readFileSync } from 'node:fs';
import { findChrootTools, findHostTool } from './host-tools';
import { AS_ROOT, availableKinds } from './host-root.test';
import { probeSandbox } from './sandbox-probe';

const kinds = availableKinds();

describe('probeSandbox', () => {
  (kinds.includes('bwrap') ? it : it.skip)('finds bubblewrap working with the flags steps use', async () => {
    const bwrap = await findHostTool('bwrap');
    expect(bwrap).toBeDefined();
    expect(await probeSandbox({ kind: 'bwrap', bwrap: bwrap ?? '', asRoot: AS_ROOT })).toBeUndefined();
  });

  (kinds.includes('chroot') ? it : it.skip)('finds the chroot fallback working, without touching the host mounts', async () => {
    const { tools, missing } = await findChrootTools();
    expect(missing).toEqual([]);
    if (tools === undefined) throw new Error('no chroot tools');
    const before = readFileSync('/proc/self/mountinfo', 'utf8');
    expect(await probeSandbox({ kind: 'chroot', tools, asRoot: true })).toBeUndefined();
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).toBe(before);
  });

  it('says what failed when the sandbox tool does not work', async () => {
    const broken = await findHostTool('false');
    expect(await probeSandbox({ kind: 'bwrap', bwrap: broken ?? '/nonexistent', asRoot: AS_ROOT })).toMatch(/a trivial sandbox failed with exit code 1|could not be started/);
    expect(await probeSandbox({ kind: 'bwrap', bwrap: '/nonexistent/bwrap', asRoot: AS_ROOT })).toContain('could not be started');
  });
});
