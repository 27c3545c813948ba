/** Renders `${NAME}` from a definition's variables; unknown names stay as written. */
export function renderVars(text: string, vars: ReadonlyMap<string, string>): string {
  if (!text.includes('${')) return text;
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (whole, name: string) => vars.get(name) ?? whole);
}
