#!/usr/bin/env node
// A committed launcher rather than a bin pointing into dist/: package managers link bins at install
// time, before a workspace has built dist/, and skip a bin whose file does not exist yet.
await import("../dist/cli.js");
