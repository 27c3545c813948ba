#!/usr/bin/env node
'use strict';
// Runs the compiled CLI on the project's pinned Node.js (see tools/node/run.cjs).
require('../../node/run.cjs').runFile('dist/tools/cli/src/main.js');
