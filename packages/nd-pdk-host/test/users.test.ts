import { describe, expect, test } from "vitest";

import type { User } from "../src/index.js";
import { users } from "../src/index.js";
import { requestOf, resultOf, testFailedCalls, wireFormatErrorFrom } from "./fake-host.js";

const alice: User = { userName: "alice", name: "Alice Liddell", isAdmin: true };
const bob: User = { userName: "bob", name: "", isAdmin: false };

// Both functions take no parameters and return an array of users, so one table covers them.
const functions = [
  { name: "getUsers", importName: "users_getusers", call: users.getUsers },
  { name: "getAdmins", importName: "users_getadmins", call: users.getAdmins },
] as const;

describe.each(functions)("users.$name", ({ name, importName, call }) => {
  test("sends an empty object", () => {
    expect(requestOf(importName, () => call())).toBe("{}");
  });

  test("decodes the users", () => {
    expect(resultOf(importName, JSON.stringify({ result: [alice, bob] }), () => call())).toStrictEqual([alice, bob]);
  });

  test.each([
    ["absent", "{}"],
    ["null", '{"result":null}'],
  ])("%s result gives an empty array", (_label, reply) => {
    expect(resultOf(importName, reply, () => call())).toEqual([]);
  });

  test("user without isAdmin throws WireFormatError", () => {
    const reply = '{"result":[{"userName":"bob","name":"Bob"}]}';

    const error = wireFormatErrorFrom(() => resultOf(importName, reply, () => call()));

    expect(error.message).toContain(`users.${name}`);
    expect(error.message).toContain('"isAdmin"');
    expect(error.path).toBe("result[0].isAdmin");
  });

  testFailedCalls({ service: "users", name, importName, call: () => call() });
});
