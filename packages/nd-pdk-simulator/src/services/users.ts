import type { ServiceContext, SimulatedService } from "../host/service.js";
import { omitEmpty } from "../host/wire.js";
import type { NavidromeOptions, SimulatedUser } from "../options.js";

/** A user as the Users service returns it. */
export interface UserReply {
  readonly userName: string;
  readonly name: string;
  readonly isAdmin: boolean;
}

/** The simulated Users service, with a view of the users the plugin may see. */
export interface UsersService extends SimulatedService {
  /** The users the administrator allowed, in the order of `options.users`. */
  allowedUsers(): SimulatedUser[];
}

/** The outcome of looking up a user name that a plugin passed to a host function. */
export type UserLookup =
  | { readonly kind: "allowed"; readonly user: SimulatedUser }
  /** The administrator allowed no user at all. */
  | { readonly kind: "no-users" }
  | { readonly kind: "not-found" }
  | { readonly kind: "not-allowed"; readonly user: SimulatedUser };

function sameName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/**
 * Returns the users the administrator allowed the plugin to see: every user of `options.users` when
 * `options.allowedUsers` is left out. Names compare case-insensitively, as Navidrome user names do.
 */
export function allowedUsersOf(options: NavidromeOptions): SimulatedUser[] {
  const users = options.users ?? [];
  const allowed = options.allowedUsers;
  if (allowed === undefined) return [...users];
  return users.filter((user) => allowed.some((name) => sameName(name, user.userName)));
}

/**
 * Looks up the user a plugin wants to act as, for the services that take a user name (Subsonic API,
 * scrobble retriever, matcher). Each service words the failure in its own Navidrome message.
 */
export function lookUpUser(options: NavidromeOptions, userName: string): UserLookup {
  if (options.allowedUsers !== undefined && allowedUsersOf(options).length === 0) return { kind: "no-users" };

  const user = (options.users ?? []).find((candidate) => sameName(candidate.userName, userName));
  if (user === undefined) return { kind: "not-found" };

  const allowed = allowedUsersOf(options).includes(user);
  return allowed ? { kind: "allowed", user } : { kind: "not-allowed", user };
}

function toReply(user: SimulatedUser): UserReply {
  return { userName: user.userName, name: user.name ?? user.userName, isAdmin: user.isAdmin ?? false };
}

/** Creates the Users service over `options.users`, limited to `options.allowedUsers`. */
export function createUsersService(_ctx: ServiceContext, options: NavidromeOptions): UsersService {
  return {
    allowedUsers: () => allowedUsersOf(options),

    functions: {
      users_getusers() {
        return omitEmpty({ result: allowedUsersOf(options).map(toReply) });
      },

      users_getadmins() {
        return omitEmpty({ result: allowedUsersOf(options).filter((user) => user.isAdmin === true).map(toReply) });
      },
    },
  };
}
