#!/usr/bin/env node
// `sagemaker-emulator` (also `npx sagemaker-emulator`): src/main.ts through tsx, so no build step is needed.
/* global require */
/* eslint-disable @typescript-eslint/no-require-imports */
require('tsx/cjs/api').register();
require('../src/main.ts');
