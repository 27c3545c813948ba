/**
 * The webhook ids seen lately, to print a retried delivery once: a bounded set that forgets the
 * oldest id first (a listener left running for days keeps a fixed amount of memory).
 */
export class SeenIds {
  private readonly ids = new Set<string>();

  constructor(readonly capacity = 10_000) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`capacity ${capacity} is not a positive integer`);
  }

  /** Records `id`; true when it was already among the recent ids (a duplicate). */
  seen(id: string): boolean {
    if (this.ids.has(id)) return true;
    this.ids.add(id);
    if (this.ids.size > this.capacity) {
      const oldest = this.ids.values().next().value as string;
      this.ids.delete(oldest);
    }
    return false;
  }

  /** Forgets `id` (a delivery turned away: its retry is not a duplicate). */
  forget(id: string): void {
    this.ids.delete(id);
  }

  get size(): number {
    return this.ids.size;
  }
}
