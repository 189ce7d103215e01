import { ConfigValueError, definePlugin, log } from "@nd/pdk";

import { CONNECTION_ID, connectAndSubscribe, handleFeedMessage } from "./feed.js";
import { reconnect, reconnectAttempt, scheduleReconnect } from "./reconnect.js";

export default definePlugin({
  lifecycle: {
    onInit() {
      try {
        connectAndSubscribe();
      } catch (error) {
        // Invalid settings would fail every attempt, so they are not retried. Navidrome logs the error.
        if (ConfigValueError.isInstance(error)) throw error;
        log.error("connecting to the ticker feed failed", { error });
        scheduleReconnect(1);
      }
    },
  },

  websocket: {
    onTextMessage({ connectionId, message }) {
      if (connectionId !== CONNECTION_ID) return;
      handleFeedMessage(message);
    },

    onBinaryMessage({ connectionId, data }) {
      log.warn("ignored a binary message; the ticker feed sends only text", { connectionId, bytes: data.length });
    },

    onError({ connectionId, error }) {
      if (connectionId !== CONNECTION_ID) return;
      log.error("ticker feed connection failed", { error });
      scheduleReconnect(1);
    },

    onClose({ connectionId, code, reason }) {
      if (connectionId !== CONNECTION_ID) return;
      log.warn("ticker feed connection closed", { code, reason });
      scheduleReconnect(1);
    },
  },

  scheduler: {
    onCallback({ scheduleId, payload }) {
      const attempt = reconnectAttempt(payload);
      if (attempt === undefined) {
        log.warn("ignored a schedule this plugin did not create", { scheduleId });
        return;
      }
      reconnect(attempt);
    },
  },
});
