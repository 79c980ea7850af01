#!/usr/bin/env node
// The CLI runs the TypeScript sources directly through tsx, so there is no build step
// between a clone and a run, and the services in the images run the very same files.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
