#!/usr/bin/env node
// Runs the compiled CLI: dist/builds/<hash>/, named by dist/current (scripts/build.mjs, run by
// `npm install`, `npm run build`, the Docker build and before every test run). No TypeScript
// is compiled here; `npm run orgsync:dev` runs the sources through tsx while developing.
import { readFileSync } from 'node:fs';

// Stack traces name the TypeScript files and lines (the build writes source maps).
process.setSourceMapsEnabled(true);

const dist = new URL('../dist/', import.meta.url);
let build;
try {
  build = readFileSync(new URL('current', dist), 'utf8').trim();
} catch {
  process.stderr.write('orgsync: the CLI is not built: run `npm run build` (or `npm run orgsync:dev` to run the sources)\n');
  process.exit(1);
}
const home = new URL(`builds/${build}/`, dist);

// `--version` and `--help` alone answer without loading the command modules (and with
// them Knex, BullMQ, Fastify): the help text was written by the build from the same CLI.
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  process.stdout.write(`${JSON.parse(readFileSync(new URL('package.json', home), 'utf8')).version}\n`);
  process.exit(0);
}
if (args.length === 1 && (args[0] === '--help' || args[0] === '-h')) {
  let help;
  try {
    help = readFileSync(new URL('help.txt', home), 'utf8');
  } catch {
    // Not written (the build could not run the CLI): the CLI prints it below.
  }
  if (help !== undefined) {
    process.stdout.write(help);
    process.exit(0);
  }
}
await import(new URL('src/cli/main.js', home).href);
