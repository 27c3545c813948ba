/** A BuildKit parser directive `# syntax=<value>`; as in BuildKit the name is case-insensitive. */
const SYNTAX_DIRECTIVE = /^#[ \t]*syntax[ \t]*=[ \t]*(.*?)[ \t]*$/i;

/**
 * The official frontend, with an optional version (`:1`, `:1.7`, `:1.7.0`, `:1-labs`) and
 * digest. Case-sensitive: image references are lowercase.
 */
const DOCKERFILE_FRONTEND =
  /^(?:docker\.io\/)?docker\/dockerfile(?::[0-9]+(?:\.[0-9]+){0,2}(?:-labs)?)?(?:@sha256:[0-9a-f]{64})?$/;

/**
 * Whether a definition is written in Dockerfile syntax: its first line is
 * `# syntax=docker/dockerfile[:version]`. Blanks around `#` and `=`, a UTF-8 BOM and a CR line
 * end are allowed, as BuildKit allows them.
 */
export function isDockerfileDefinition(text: string): boolean {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const end = body.indexOf('\n');
  const first = (end === -1 ? body : body.slice(0, end)).replace(/\r$/, '');
  const value = SYNTAX_DIRECTIVE.exec(first)?.[1];
  return value !== undefined && DOCKERFILE_FRONTEND.test(value);
}
