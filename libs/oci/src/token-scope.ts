/** Token scope to read repository `repo`. */
export const pullScope = (repo: string): string => `repository:${repo}:pull`;

/** Token scope to write repository `repo` (pushes, uploads, tags). */
export const pushScope = (repo: string): string => `repository:${repo}:pull,push`;

/** Token scope of a cross-repository mount of a blob of `from` into `repo`. */
export const mountScope = (repo: string, from: string): string => `${pushScope(repo)} ${pullScope(from)}`;
