import type { ApiModel } from "../model.js";
import { Imports, renderCodec, renderInterface, renderModule, sortByDependency, type ModuleContext } from "./common.js";

/** Renders `@nd/pdk-types/src/generated/types.ts`: the shared domain types and their codecs. */
export function renderSharedTypes(api: ApiModel): string {
  const imports = new Imports();
  const ctx: ModuleContext = { api, pkg: "types", own: new Set(api.sharedTypes.map((t) => t.name)), imports };
  const sections = sortByDependency(api.sharedTypes).flatMap((model) => [renderInterface(ctx, model), renderCodec(ctx, model)]);
  // Inside @nd/pdk-types the codec types come from the package's own source, not from its published name.
  const text = renderModule(undefined, imports, sections);
  return text.replace('import type { ObjectCodec } from "@nd/pdk-types";', 'import type { ObjectCodec } from "../codec.js";');
}
