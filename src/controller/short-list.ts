/** The first `limit` items, then how many more: a status message stays short whatever it lists. */
export function listed(items: readonly string[], limit: number): string {
  return items.length <= limit ? items.join(", ") : `${items.slice(0, limit).join(", ")} and ${items.length - limit} more`;
}
