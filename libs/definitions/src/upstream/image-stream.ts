/**
 * The image stream a definition file belongs to: `image/<name>/<os>/<stream>` where the
 * stream is the file name's leading version token (`8.3` for `8.3.yaml`, `8.3-dev.yaml`,
 * `8.3-fpm.yaml`; `6.9` for `6.9-php8.3-fpm.yaml`). Its variants are patched together, in
 * one pull request. Undefined for a path outside the catalog layout.
 */
export function imageStreamOf(file: string): string | undefined {
  const m =
    /^image\/([a-z0-9][a-z0-9._-]{0,127})\/([a-z0-9][a-z0-9._-]{0,63})\/([A-Za-z0-9][A-Za-z0-9._+-]{0,127})\.ya?ml$/.exec(
      file,
    );
  if (!m) return undefined;
  const stream = (m[3] as string).split('-')[0] as string;
  return `image/${m[1]}/${m[2]}/${stream}`;
}
