#!/usr/bin/env node
import { Command } from "commander";

import { registerBuild } from "./commands/build.js";
import { registerConfigTypes } from "./commands/config-types.js";
import { registerInit } from "./commands/init.js";
import { registerValidate } from "./commands/validate.js";
import { exitQuietlyOnClosedPipe } from "./output.js";

const program = new Command("nd-pdk")
  .description("Build, check and scaffold Navidrome plugins written in TypeScript.")
  .showHelpAfterError();

exitQuietlyOnClosedPipe();

registerBuild(program);
registerValidate(program);
registerInit(program);
registerConfigTypes(program);

await program.parseAsync(process.argv);
