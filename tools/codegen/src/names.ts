/** Turns `scrobbleRetriever` or `MetadataAgent` into `scrobble-retriever` / `metadata-agent`. */
export function kebabCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1-$2")
    .replace(/([A-Z])([A-Z][a-z])/g, "$1-$2")
    .toLowerCase();
}

/** Turns `getScrobbles` into `GetScrobbles`. */
export function pascalCase(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}

/** Turns `HttpRequest` into `httpRequest`. */
export function camelCase(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

/** Returns the name of the generated codec constant of a type. */
export function codecName(typeName: string): string {
  return `${camelCase(typeName)}Codec`;
}
