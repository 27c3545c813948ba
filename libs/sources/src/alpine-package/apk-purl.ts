import { TerminalError } from '@patch-factory/contracts';
import { SourceErrorCode } from '../sources-errors';

/** An Alpine package name as apk accepts it. */
const APK_NAME = /^[A-Za-z0-9_][A-Za-z0-9+._-]{0,127}$/;

/**
 * The package name of an apk purl (`pkg:apk/alpine/curl`, `pkg:apk/alpine/curl@8.14.1-r2?arch=x86_64`):
 * its last path segment, percent-decoded, checked as an apk package name. Throws
 * TerminalError(source-invalid-config).
 */
export function apkPackageName(purl: string): string {
  const m = /^pkg:apk\/(?:[^/?#@]+\/)*([^/?#@]+)(?:@[^?#]*)?(?:\?[^#]*)?(?:#.*)?$/.exec(purl);
  let name: string | undefined;
  try {
    name = m?.[1] === undefined ? undefined : decodeURIComponent(m[1]);
  } catch {
    name = undefined;
  }
  if (name === undefined || !APK_NAME.test(name)) {
    throw new TerminalError(
      SourceErrorCode.invalidConfig,
      `the alpine_package track entry is invalid at package: expected a purl like pkg:apk/alpine/<name>, got ${JSON.stringify(purl.slice(0, 80))}`,
    );
  }
  return name;
}
