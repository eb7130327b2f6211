/**
 * `federator import-asterisk <files…>`: migrate an existing Asterisk's
 * pjsip.conf, sip.conf, voicemail.conf and queues.conf into records (core
 * migrate/, docs/migration.md). The files are read here (with their
 * `#include`s); the mapping is pure. `--dry-run` prints the report and writes
 * nothing; otherwise the records go to the node's bulk import
 * (`POST /api/v1/import`, NDJSON), which validates every line as the REST
 * API would.
 */
import { readFileSync } from 'node:fs'
import { dirname, isAbsolute, relative, resolve } from 'node:path'
import type { Command } from 'commander'
import {
  FedError, formatReport, migrateAsterisk, parseConfCategories, type ConfInput, type ConfKind, type MigrationReport
} from '@federator/core'
import { call, target, type Target } from '../client.js'
import type { Config } from '../config.js'
import type { ImportResult } from './import.js'

const KINDS: readonly ConfKind[] = ['pjsip', 'sip', 'voicemail', 'queues']

function readText (path: string): string | undefined {
  try { return readFileSync(path, 'utf8').replace(/^\uFEFF/, '') } catch { return undefined }
}

/** Parse the files, `#include`s resolved against `configDir` (default: the including file's folder), and map them. */
export function migrateFiles (files: readonly string[], opts: { configDir?: string, kind?: string } = {}): MigrationReport {
  if (opts.kind !== undefined && !KINDS.includes(opts.kind as ConfKind)) throw new FedError('FED_ERR_CONFIG', `--kind: one of ${KINDS.join(', ')}, got ${JSON.stringify(opts.kind)}`)
  const show = (p: string): string => { const r = relative(process.cwd(), p); return r.startsWith('..') ? p : r }
  const inputs: ConfInput[] = files.map((file) => {
    const text = readText(file)
    if (text === undefined) throw new FedError('FED_ERR_CONFIG', `cannot read ${file}`)
    const { categories, warnings } = parseConfCategories(text, show(resolve(file)), {
      include: (name, from) => {
        const path = isAbsolute(name) ? name : resolve(opts.configDir ?? dirname(resolve(from)), name)
        const t = readText(path)
        return t === undefined ? undefined : { text: t, file: show(path) }
      }
    })
    const input: ConfInput = { file, categories, warnings }
    if (opts.kind !== undefined) input.kind = opts.kind as ConfKind
    return input
  })
  return migrateAsterisk(inputs)
}

export async function writeRecords (t: Target, report: MigrationReport): Promise<ImportResult> {
  const body = report.records.map((r) => JSON.stringify(r)).join('\n') + '\n'
  const res = await call(t, '/api/v1/import', { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body })
  return await res.json() as ImportResult
}

/** Register `federator import-asterisk` (`client` adds --url/--token/--data, `configFrom` reads the settings). */
export function registerImportAsterisk (program: Command, client: (cmd: Command) => Command, configFrom: (opts: Record<string, unknown>) => Config): void {
  client(program.command('import-asterisk'))
    .description('migrate pjsip.conf, sip.conf, voicemail.conf and queues.conf into users, devices, trunks, providers and rows (see docs/migration.md)')
    .argument('<files...>', 'Asterisk .conf files; the kind comes from the name (pjsip*, sip*, voicemail*, queues*) or the content')
    .option('--dry-run', 'print the report (what became what, override columns, what was not mapped and why); write nothing')
    .option('--records', 'with --dry-run: print the records as NDJSON instead of the report (e.g. to edit, then `federator import`)')
    .option('--kind <kind>', `read every file as this kind: ${KINDS.join(', ')}`)
    .option('--config-dir <dir>', 'folder relative #include paths start from (Asterisk: its config folder; default: the including file\'s folder)')
    .addHelpText('after', '\nThe node validates every record; the report is printed either way. Keep the objects reported as\nnode-local (transports, [general] sections…) in each node\'s own files.')
    .action(async (files: string[], opts: Record<string, unknown>) => {
      const report = migrateFiles(files, { configDir: opts.configDir as string | undefined, kind: opts.kind as string | undefined })
      if (opts.dryRun === true && opts.records === true) {
        for (const r of report.records) process.stdout.write(JSON.stringify(r) + '\n')
        return
      }
      process.stdout.write(formatReport(report))
      if (opts.dryRun === true) { process.stdout.write('\n(dry run: nothing written)\n'); return }
      const res = await writeRecords(await target(configFrom(opts), opts), report)
      for (const e of res.errors) process.stderr.write(`record ${e.line} (${JSON.stringify(report.records[e.line - 1]?.type)} ${report.records[e.line - 1]?.id ?? ''}): ${e.code}: ${e.message}\n`)
      process.stdout.write(`\nimported ${res.imported}, failed ${res.failed}\n`)
      if (res.failed > 0) process.exitCode = 1
    })
}
