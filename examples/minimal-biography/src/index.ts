import { configJson, definePlugin, log } from "@nd/pdk";

/** Looks an artist up in the `biographies` setting, ignoring case. */
function findBiography(name: string): string | undefined {
  const biographies = configJson("biographies");
  if (typeof biographies !== "object" || biographies === null || Array.isArray(biographies)) return undefined;

  const target = name.toLowerCase();
  for (const [artist, biography] of Object.entries(biographies)) {
    if (artist.toLowerCase() === target && typeof biography === "string") return biography;
  }
  return undefined;
}

export default definePlugin({
  metadataAgent: {
    getArtistBiography({ name }) {
      const biography = findBiography(name);
      if (biography === undefined) {
        // No data: Navidrome queries the next agent in its list.
        log.debug("no biography configured", { artist: name });
        return undefined;
      }
      return { biography };
    },
  },
});
