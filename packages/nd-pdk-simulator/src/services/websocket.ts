
import { encodeBase64 } from "@nd/pdk-types";

import type { CallOutcome, ServiceContext, SimulatedService } from "../host/service.js";
import { callbackFailure } from "../host/callback.js";
import { newRandomId } from "../host/random-id.js";
import { ServiceError } from "../host/service.js";
import { omitEmpty, readBytes, readInt, readString, readStringMap } from "../host/wire.js";
import type { NavidromeOptions } from "../options.js";
import type { GoUrl } from "./http.js";
import { canonicalHeaderKey, hostMatchesPattern, parseGoUrl } from "./http.js";

/** The exports Navidrome calls for connection events. */
export const WEBSOCKET_EXPORTS = {
  textMessage: "nd_websocket_on_text_message",
  binaryMessage: "nd_websocket_on_binary_message",
  error: "nd_websocket_on_error",
  close: "nd_websocket_on_close",
} as const;

/** A message the plugin sent. */
export type SentWebSocketMessage =
  | {
      /** Sent with `websocket.sendText`. */
      readonly type: "text";
      /** The text sent. */
      readonly message: string;
      /** Simulated Unix time in milliseconds. */
      readonly time: number;
    }
  | {
      /** Sent with `websocket.sendBinary`. */
      readonly type: "binary";
      /** The bytes sent. */
      readonly data: Uint8Array;
      /** Simulated Unix time in milliseconds. */
      readonly time: number;
    };

/** A connection the plugin opened, as the inspection view shows it. Times are simulated Unix time in milliseconds. */
export interface WebSocketConnection {
  /** The connection id, as the plugin gave it or as Navidrome generated it. */
  readonly connectionId: string;
  /** The URL the plugin connected to. */
  readonly url: string;
  /** The handshake headers, with names in Go's canonical form. */
  readonly headers: Readonly<Record<string, string>>;
  /** Whether the connection is still open. */
  readonly status: "open" | "closed";
  /** When the connection opened. */
  readonly openedAt: number;
  /** When the connection closed; undefined while it is open. */
  readonly closedAt?: number;
  /** The side that ended the connection: the plugin with `closeConnection`, or the test as the server. */
  readonly closedBy?: "plugin" | "server";
  /** The close code of a normal close, such as 1000. */
  readonly closeCode?: number;
  /** The reason text of a normal close. */
  readonly closeReason?: string;
  /** The read error that ended the connection, when the server did not close it normally. */
  readonly error?: string;
  /** The messages the plugin sent on this connection, oldest first. */
  readonly sent: readonly SentWebSocketMessage[];
}

/** The simulated WebSocket service: views of the connections, and the server side a test plays. */
export interface WebSocketService extends SimulatedService {
  /** Every connection the plugin opened, oldest first, closed ones included. */
  connections(): WebSocketConnection[];
  /** The messages the plugin sent on the latest connection with this id. */
  sent(connectionId: string): readonly SentWebSocketMessage[];
  /** Delivers a text message from the server to the plugin's `nd_websocket_on_text_message`. */
  serverSendText(connectionId: string, message: string): CallOutcome;
  /** Delivers a binary message from the server to the plugin's `nd_websocket_on_binary_message`. */
  serverSendBinary(connectionId: string, data: Uint8Array): CallOutcome;
  /**
   * Closes the connection from the server with a close frame. Codes 1000 and 1001 reach the
   * plugin's `nd_websocket_on_close`, as does 1005, which stands for a close frame without a status
   * (the reason is then dropped). Other codes a server may send (1002, 1003, 1007-1014,
   * 3000-4999) reach `nd_websocket_on_error` as Go's close error text, and 1006 drops the
   * connection without a close frame, which also reaches `nd_websocket_on_error`.
   *
   * @throws {RangeError} for a code that no server can send.
   */
  serverClose(connectionId: string, code?: number, reason?: string): CallOutcome;
  /** Fails the connection with a read error, which reaches the plugin's `nd_websocket_on_error`. */
  serverError(connectionId: string, message: string): CallOutcome;
}

interface Connection {
  readonly connectionId: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly openedAt: number;
  readonly sent: SentWebSocketMessage[];
  status: "open" | "closed";
  closedAt?: number;
  closedBy?: "plugin" | "server";
  closeCode?: number;
  closeReason?: string;
  error?: string;
}

/** Handshake headers Go's WebSocket dialer (gorilla/websocket) sets itself and refuses from the caller. */
const DIALER_HEADERS = new Set(["Upgrade", "Connection", "Sec-Websocket-Key", "Sec-Websocket-Version", "Sec-Websocket-Extensions"]);

/** The names gorilla/websocket gives close codes in its error text. */
const CLOSE_CODE_NAMES: Readonly<Record<number, string>> = {
  1000: "normal",
  1001: "going away",
  1002: "protocol error",
  1003: "unsupported data",
  1005: "no status",
  1006: "abnormal closure",
  1007: "invalid payload data",
  1008: "policy violation",
  1009: "message too big",
  1010: "mandatory extension missing",
  1011: "internal server error",
  1015: "TLS handshake error",
};

/**
 * Creates the WebSocket service. Connections go to no network: `options.websocket.onConnect`
 * plays the server's handshake, and the test plays the server afterwards through `serverSendText`,
 * `serverSendBinary`, `serverClose` and `serverError`, which call the plugin's exports at once.
 *
 * When the plugin closes a connection itself, Navidrome calls `nd_websocket_on_close` with the
 * plugin's own code and reason. The simulator makes that call at the next clock step (call
 * `clock.runDue()` or `advance`), not inside the plugin's `closeConnection` call, because a plugin
 * instance cannot be entered again while it is running.
 */
export function createWebSocketService(ctx: ServiceContext, options: NavidromeOptions): WebSocketService {
  const requiredHosts = ctx.manifest.permissions?.websocket?.requiredHosts ?? [];
  const history: Connection[] = [];
  const open = new Map<string, Connection>();

  function openConnection(connectionId: string): Connection {
    const connection = open.get(connectionId);
    if (connection === undefined) throw new ServiceError(`connection ID "${connectionId}" not found`);
    return connection;
  }

  /** Finds an open connection for the test's server-side calls, which should only target open ones. */
  function serverSide(connectionId: string): Connection {
    const connection = open.get(connectionId);
    if (connection === undefined) {
      const ids = [...open.keys()].map((id) => `"${id}"`).join(", ") || "none";
      throw new Error(`no open WebSocket connection has id "${connectionId}" (open connections: ${ids})`);
    }
    return connection;
  }

  function close(connection: Connection, closedBy: "plugin" | "server", details: { code?: number; reason?: string; error?: string }): void {
    open.delete(connection.connectionId);
    connection.status = "closed";
    connection.closedAt = ctx.clock.now();
    connection.closedBy = closedBy;
    if (details.code !== undefined) connection.closeCode = details.code;
    if (details.reason !== undefined) connection.closeReason = details.reason;
    if (details.error !== undefined) connection.error = details.error;
  }

  /** Calls a connection event export; Navidrome logs every failure, a missing export included. */
  function notify(exportName: string, description: string, connectionId: string, input: Record<string, unknown>): CallOutcome {
    const outcome = ctx.callPlugin(exportName, input);
    const failure = callbackFailure(outcome, exportName);
    if (failure !== undefined) ctx.log("error", `WebSocket ${description} callback failed for connection "${connectionId}": ${failure}`);
    return outcome;
  }

  const notifyClose = (connectionId: string, code: number, reason: string): CallOutcome =>
    notify(WEBSOCKET_EXPORTS.close, "close", connectionId, { connectionId, code, reason });

  const notifyError = (connectionId: string, error: string): CallOutcome =>
    notify(WEBSOCKET_EXPORTS.error, "error", connectionId, { connectionId, error });

  return {
    connections() {
      return history.map((connection) => ({ ...connection, sent: [...connection.sent] }));
    },

    sent(connectionId) {
      const connection = [...history].reverse().find((candidate) => candidate.connectionId === connectionId);
      if (connection === undefined) throw new Error(`the plugin opened no WebSocket connection with id "${connectionId}"`);
      return [...connection.sent];
    },

    serverSendText(connectionId, message) {
      serverSide(connectionId);
      return notify(WEBSOCKET_EXPORTS.textMessage, "text message", connectionId, { connectionId, message });
    },

    serverSendBinary(connectionId, data) {
      serverSide(connectionId);
      return notify(WEBSOCKET_EXPORTS.binaryMessage, "binary message", connectionId, { connectionId, data: encodeBase64(data) });
    },

    serverClose(connectionId, code = 1000, reason = "") {
      const connection = serverSide(connectionId);
      if (code === 1000 || code === 1001 || code === 1005) {
        const closeReason = code === 1005 ? "" : reason;
        close(connection, "server", { code, reason: closeReason });
        return notifyClose(connectionId, code, closeReason);
      }
      if (code === 1006) {
        const error = "websocket: close 1006 (abnormal closure): unexpected EOF";
        close(connection, "server", { code, error });
        return notifyError(connectionId, error);
      }
      if (!isSendableCloseCode(code)) {
        throw new RangeError(
          `close code ${code} cannot be sent by a server; use 1000-1003, 1007-1014 or 3000-4999, 1005 for a close frame without a status, or 1006 for a dropped connection`,
        );
      }
      const error = closeErrorText(code, reason);
      close(connection, "server", { code, reason, error });
      return notifyError(connectionId, error);
    },

    serverError(connectionId, message) {
      const connection = serverSide(connectionId);
      close(connection, "server", { error: message });
      return notifyError(connectionId, message);
    },

    functions: {
      websocket_connect(request) {
        const url = readString(request, "url");
        const requestHeaders = readStringMap(request, "headers");
        const requestedId = readString(request, "connectionId");

        let parsed: GoUrl;
        try {
          parsed = parseGoUrl(url);
        } catch (error) {
          throw new ServiceError(`invalid URL: ${(error as Error).message}`);
        }
        if (parsed.scheme !== "ws" && parsed.scheme !== "wss") throw new ServiceError("invalid URL scheme: must be ws:// or wss://");
        // Navidrome cuts the port at the last colon, even inside an IPv6 address in brackets.
        const colon = parsed.host.lastIndexOf(":");
        const hostname = colon === -1 ? parsed.host : parsed.host.slice(0, colon);
        if (!requiredHosts.some((pattern) => hostMatchesPattern(pattern, hostname))) {
          throw new ServiceError(`host "${parsed.host}" is not allowed`);
        }

        const connectionId = requestedId || newRandomId();
        if (open.has(connectionId)) throw new ServiceError(`connection ID "${connectionId}" already exists`);

        // gorilla/websocket rejects user info in the URL before it looks at the headers.
        if (parsed.hasUserinfo || parsed.host === "") throw new ServiceError("failed to connect: malformed ws or wss URL");
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(requestHeaders)) headers[canonicalHeaderKey(name)] = value;
        const duplicate = Object.keys(headers).find((name) => DIALER_HEADERS.has(name));
        if (duplicate !== undefined) throw new ServiceError(`failed to connect: websocket: duplicate header not allowed: ${duplicate}`);

        try {
          options.websocket?.onConnect?.(url, headers);
        } catch (error) {
          throw new ServiceError(`failed to connect: ${error instanceof Error ? error.message : String(error)}`);
        }

        const connection: Connection = { connectionId, url, headers, openedAt: ctx.clock.now(), sent: [], status: "open" };
        history.push(connection);
        open.set(connectionId, connection);
        return omitEmpty({ newConnectionId: connectionId });
      },

      websocket_sendtext(request) {
        const connectionId = readString(request, "connectionId");
        const message = readString(request, "message");
        openConnection(connectionId).sent.push({ type: "text", message, time: ctx.clock.now() });
        return {};
      },

      websocket_sendbinary(request) {
        const connectionId = readString(request, "connectionId");
        const data = readBytes(request, "data");
        openConnection(connectionId).sent.push({ type: "binary", data, time: ctx.clock.now() });
        return {};
      },

      websocket_closeconnection(request) {
        const connectionId = readString(request, "connectionId");
        const code = readInt(request, "code", "int32");
        const reason = readString(request, "reason");
        close(openConnection(connectionId), "plugin", { code, reason });
        ctx.clock.schedule(0, () => notifyClose(connectionId, code, reason));
        return {};
      },
    },
  };
}

/** Tells whether gorilla/websocket accepts a close code received from a server. */
function isSendableCloseCode(code: number): boolean {
  if (!Number.isInteger(code)) return false;
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

/** Returns gorilla/websocket's error text for a close frame: `websocket: close 1011 (internal server error): reason`. */
function closeErrorText(code: number, reason: string): string {
  const name = CLOSE_CODE_NAMES[code];
  return `websocket: close ${code}${name === undefined ? "" : ` (${name})`}${reason === "" ? "" : `: ${reason}`}`;
}
