/** A small client of the operator API for tests (plain fetch, JSON in and out), with a bearer token or none. */
export class ApiClient {
  constructor(
    readonly base: string,
    readonly token?: string,
  ) {}

  static onPort(port: number, token?: string): ApiClient {
    return new ApiClient(`http://127.0.0.1:${port}`, token);
  }

  /** The same API with another token (undefined: none). */
  withToken(token: string | undefined): ApiClient {
    return new ApiClient(this.base, token);
  }

  /** Headers that carry the token. */
  authHeaders(): Record<string, string> {
    return this.token ? { authorization: `Bearer ${this.token}` } : {};
  }

  async request<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    raw?: string,
  ): Promise<{ status: number; body: T }> {
    const init: RequestInit = { method, headers: { 'content-type': 'application/json', ...this.authHeaders() } };
    if (raw !== undefined) init.body = raw;
    else if (body !== undefined) init.body = JSON.stringify(body);
    const res = await fetch(this.base + path, init);
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* not JSON: keep the text */
    }
    return { status: res.status, body: parsed as T };
  }

  async trigger(definition: string, extra: Record<string, unknown> = {}): Promise<string> {
    const res = await this.request<{ runId: string }>('POST', '/runs', { definition, ...extra });
    if (res.status !== 202) throw new Error(`trigger ${definition}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.runId;
  }
}
