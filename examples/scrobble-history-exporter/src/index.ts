import { definePlugin, HostCallError, log, scheduler } from "@nd/pdk";

import { runExport } from "./exporter.js";
import { readSettings } from "./settings.js";

/**
 * Checks the settings and schedules the recurring export. The first run waits for the first cron
 * time, because a large history can take several runs anyway.
 *
 * @throws {ConfigValueError} naming an invalid setting.
 * @throws {Error} naming the `cron` setting when Navidrome rejects the expression.
 */
function scheduleExport(): void {
  const settings = readSettings();
  let scheduleId: string;
  try {
    scheduleId = scheduler.scheduleRecurring(settings.cron, "export");
  } catch (error) {
    if (!HostCallError.isInstance(error)) throw error;
    throw new Error(`cannot schedule the export with plugin configuration "cron" = ${JSON.stringify(settings.cron)}: ${error.hostMessage}; correct it in the plugin's settings in Navidrome`);
  }
  log.info("scrobble export scheduled", { cron: settings.cron, scheduleId, pageSize: settings.pageSize, maxScrobblesPerRun: settings.maxScrobblesPerRun });
}

export default definePlugin({
  lifecycle: {
    onInit: scheduleExport,
  },
  scheduler: {
    // An invalid setting throws here too, and Navidrome logs the error for each firing.
    onCallback: () => runExport(readSettings()),
  },
});
