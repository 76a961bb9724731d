// Recent answers of the API server's reviews, so that a scrape every few seconds costs no
// review each time. Bounded by count and by age: a caller sending a new random token on every
// request fills it to its limit and no further, the oldest answers going first. Keys are the
// tokens' SHA-256, so no credential is kept in memory longer than its request.
import { createHash } from "node:crypto";

export interface ReviewCacheOptions {
  /** Default 1,024. */
  maxEntries?: number;
  /** Default 10 s, as the API server's delegated authentication and authorization cache. */
  ttlMs?: number;
  now?: () => number;
}

export class ReviewCache<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number }>();
  private readonly maxEntries: number;
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(options: ReviewCacheOptions = {}) {
    this.maxEntries = options.maxEntries ?? 1024;
    this.ttlMs = options.ttlMs ?? 10_000;
    this.now = options.now ?? Date.now;
    if (!Number.isInteger(this.maxEntries) || this.maxEntries < 1) throw new Error(`a review cache holds at least one entry, not ${this.maxEntries}`);
  }

  static keyOf(token: string): string {
    return createHash("sha256").update(token).digest("hex");
  }

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: string, value: V): void {
    this.entries.delete(key);
    // Insertion order is age order: the first key is the oldest answer.
    while (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { value, expiresAt: this.now() + this.ttlMs });
  }

  get size(): number {
    return this.entries.size;
  }
}
