// Formatting shared by the seeding helpers (`put`) of the simulated services, whose errors quote what
// a test passed.

/** Quotes a key for an error message, cut to 40 characters so that an over-long key stays readable. */
export function describeKey(key: unknown): string {
  if (typeof key !== "string") return String(key);
  return JSON.stringify(key.length > 40 ? `${key.slice(0, 40)}…` : key);
}

/** Names the type of a value for an error message: `null`, a class name such as `Array`, or `typeof`. */
export function describeType(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "object") return (value as { constructor?: { name?: string } }).constructor?.name ?? "object";
  return typeof value;
}
