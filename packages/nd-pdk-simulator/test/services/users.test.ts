import { describe, expect, test } from "vitest";

import type { NavidromeOptions, SimulatedUser } from "../../src/options.js";
import { createUsersService, lookUpUser } from "../../src/services/users.js";
import { call, createTestContext, importNamesOf } from "./context.js";

const users: readonly SimulatedUser[] = [
  { userName: "alice", name: "Alice Liddell", isAdmin: true },
  { userName: "bob" },
  { userName: "carol", name: "Carol", isAdmin: true },
];

function usersService(extra: Partial<NavidromeOptions> = {}) {
  return createUsersService(createTestContext({ users: {} }), { manifest: {}, users, ...extra });
}

describe("users service", () => {
  test("implements every import of the schema", () => {
    expect(Object.keys(usersService().functions).sort()).toEqual(importNamesOf("users"));
  });

  test("getusers returns every user by default", () => {
    expect(call(usersService(), "users_getusers")).toEqual({
      result: [
        { userName: "alice", name: "Alice Liddell", isAdmin: true },
        { userName: "bob", name: "bob", isAdmin: false },
        { userName: "carol", name: "Carol", isAdmin: true },
      ],
    });
  });

  test("getusers returns only allowed users", () => {
    const reply = call(usersService({ allowedUsers: ["bob", "Carol"] }), "users_getusers");
    expect(reply).toEqual({
      result: [
        { userName: "bob", name: "bob", isAdmin: false },
        { userName: "carol", name: "Carol", isAdmin: true },
      ],
    });
  });

  test("getusers with no allowed user replies {}", () => {
    expect(call(usersService({ allowedUsers: [] }), "users_getusers")).toEqual({});
  });

  test("getadmins filters allowed admins", () => {
    expect(call(usersService({ allowedUsers: ["alice", "bob"] }), "users_getadmins")).toEqual({
      result: [{ userName: "alice", name: "Alice Liddell", isAdmin: true }],
    });
  });

  test("getadmins without admins replies {}", () => {
    expect(call(usersService({ allowedUsers: ["bob"] }), "users_getadmins")).toEqual({});
  });

  test("allowedUsers view", () => {
    expect(usersService({ allowedUsers: ["bob"] }).allowedUsers()).toEqual([{ userName: "bob" }]);
  });
});

describe("lookUpUser", () => {
  const options: NavidromeOptions = { manifest: {}, users, allowedUsers: ["alice"] };

  test("finds an allowed user ignoring case", () => {
    expect(lookUpUser(options, "ALICE")).toEqual({ kind: "allowed", user: users[0] });
  });

  test("reports a user that does not exist", () => {
    expect(lookUpUser(options, "mallory")).toEqual({ kind: "not-found" });
  });

  test("reports a user that is not allowed", () => {
    expect(lookUpUser(options, "bob")).toEqual({ kind: "not-allowed", user: users[1] });
  });

  test("reports no allowed users", () => {
    expect(lookUpUser({ ...options, allowedUsers: [] }, "alice")).toEqual({ kind: "no-users" });
  });
});
