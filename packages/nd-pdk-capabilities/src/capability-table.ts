/**
 * The capability table `definePlugin` reads. It is a module of its own, apart from the public
 * `capabilitySpecs`, because `nd-pdk build` replaces it in a plugin's bundle. Once a first bundle has
 * shown the plugin's exports, the build substitutes a table of only those exports, importing their
 * descriptions from `./generated/export-specs.js` by export name. The codecs of every other export then stay out of
 * the bundle, while plugin code that reads `capabilitySpecs` still gets the whole table.
 *
 * @module
 */
export { capabilitySpecs as capabilityTable } from "./generated/capability-specs.js";
