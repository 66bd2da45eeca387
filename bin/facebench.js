#!/usr/bin/env node
// Shim: the CLI is bundled to dist/cli.js by `npm run build` (run automatically by `npm ci`).
import '../dist/cli.js';
