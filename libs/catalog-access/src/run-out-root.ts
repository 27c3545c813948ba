import { buildSettings } from '@patch-factory/builder';
import type { Env } from '@patch-factory/config';

/**
 * Where the runs' workspaces are: PF_BUILD_OUT_DIR (the build stage's default when unset). A
 * run's files are under `runDirectory(runOutRoot(config), runId)` (libs/pipeline), which the
 * build, test, scan, sign, publish and promote stages share.
 */
export function runOutRoot(config: Env): string {
  return buildSettings(config).outRoot;
}
