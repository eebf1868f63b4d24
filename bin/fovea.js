#!/usr/bin/env node
// The fovea command (built by `npm run build`: TypeScript in dist/, the native addon in native/build).
import { main } from '../dist/src/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
