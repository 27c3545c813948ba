import { TerminalError } from '@patch-factory/contracts';
import { OciErrorCode } from './oci-errors';

/**
 * The upload session URL a registry named in `Location` (relative or absolute), refused unless
 * it stays on the registry's origin, under `/v2/<repo>/blobs/uploads/`, without credentials.
 */
export function uploadLocation(header: string | null, registry: string, repo: string, what: string): URL {
  if (!header || header.length > 4096)
    throw new TerminalError(OciErrorCode.invalidResponse, `${what}: the registry named no usable upload location`);
  let url: URL;
  try {
    url = new URL(header, registry);
  } catch {
    throw new TerminalError(OciErrorCode.invalidResponse, `${what}: the upload location is not a URL`);
  }
  if (
    url.origin !== registry ||
    url.username ||
    url.password ||
    !url.pathname.startsWith(`/v2/${repo}/blobs/uploads/`)
  ) {
    throw new TerminalError(
      OciErrorCode.invalidResponse,
      `${what}: the upload location leaves the registry's upload path for ${repo} (${url.origin}${url.pathname.slice(0, 80)}); refused`,
    );
  }
  url.hash = '';
  return url;
}

/** The next byte offset a `Range: 0-<last>` header says the registry holds (`0-0` is read as 0). */
export function uploadOffset(header: string | null): number | undefined {
  const m = /^(?:bytes=)?0-(\d{1,15})$/.exec(header?.trim() ?? '');
  if (!m?.[1]) return undefined;
  const last = Number(m[1]);
  return last === 0 ? 0 : last + 1;
}
