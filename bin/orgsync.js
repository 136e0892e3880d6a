#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx's loader: no build step, so
// `npm run orgsync`, the installed bin and the Docker image always run the same code.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
