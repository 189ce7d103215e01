export { installFakeExtism } from "./fake-extism.js";
export type { FakeExtism, FakeExtismOptions, HostCallRecord, HostHandler } from "./fake-extism.js";
