#!/usr/bin/env node
// The `webgrad` command: the code lives in the built package (src/cli.ts → dist/cli.js).
import { main } from '../dist/cli.js';

const code = await main(process.argv.slice(2));
// Let stdout drain, then exit explicitly: Dawn's WebGPU instance would otherwise keep Node alive.
await new Promise((resolve) => process.stdout.write('', resolve));
process.exit(code);
