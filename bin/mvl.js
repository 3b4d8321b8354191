#!/usr/bin/env node
// `mvl`: the CLI in src/cli, run through tsx so no build step is needed.
/* global require */
/* eslint-disable @typescript-eslint/no-require-imports */
require('tsx/cjs/api').register();
const { run } = require('../src/cli/main.ts');
const { CliError } = require('../src/cli/api-client.ts');

run(process.argv.slice(2), (line) => console.log(line)).catch((err) => {
  console.error(`mvl: ${err.message}`);
  process.exit(err instanceof CliError ? err.exitCode : 2);
});
