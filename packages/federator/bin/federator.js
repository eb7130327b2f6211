#!/usr/bin/env node
// The `federator` command as npm links it (node_modules/.bin/federator). This file is committed, so
// the link exists as soon as `npm install` has run in a fresh clone, even before the build that
// `npm install` runs last (the root package's `prepare`: tsc -b) has written dist/. It only loads
// the compiled command line, dist/cli.js, and says what to do when that is missing.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const cli = new URL('../dist/cli.js', import.meta.url)
if (!existsSync(fileURLToPath(cli))) {
  process.stderr.write(`federator: not built yet (${fileURLToPath(cli)} is missing): run \`npm run build\` in the repository, then retry\n`)
  process.exit(2)
}
await import(cli.href)
