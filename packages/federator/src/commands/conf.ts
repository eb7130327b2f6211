/**
 * `federator conf import|list|show|delete`: static realtime config files
 * (`queues.conf`, …) kept as `config` records and served to Asterisk at
 * `GET /realtime/static?file=<name>` (docs/asterisk.md, "Static realtime").
 * They talk to a running node's admin API: PUT/GET
 * `/api/v1/configs/<name>/conf` (.conf text), GET and DELETE
 * `/api/v1/configs[/<name>]`.
 */
import { readFile } from 'node:fs/promises'
import { basename } from 'node:path'
import type { Command } from 'commander'
import { FedError } from '@federator/core'
import { call, target, type Target } from '../client.js'
import type { Config } from '../config.js'

export interface ConfSummary { id: string, lines: number, categories: number, description?: string, warnings?: Array<{ line: number, message: string }> }

const path = (name: string): string => '/api/v1/configs/' + encodeURIComponent(name)

async function readInput (file: string): Promise<string> {
  if (file === '-') {
    const chunks: Buffer[] = []
    for await (const c of process.stdin) chunks.push(c as Buffer)
    return Buffer.concat(chunks).toString('utf8')
  }
  try {
    return await readFile(file, 'utf8')
  } catch (err) {
    throw new FedError('FED_ERR_CONFIG', `cannot read ${file}: ${(err as Error).message}`)
  }
}

/** Store (or replace) a `.conf` file under `name` (default: the file's base name). */
export async function confImport (t: Target, file: string, opts: { name?: string, description?: string } = {}): Promise<ConfSummary> {
  const name = opts.name ?? (file === '-' ? undefined : basename(file))
  if (name === undefined) throw new FedError('FED_ERR_CONFIG', 'reading stdin: say which file it is with --name (e.g. --name queues.conf)')
  const text = await readInput(file)
  const query = opts.description !== undefined ? '?description=' + encodeURIComponent(opts.description) : ''
  const res = await call(t, path(name) + '/conf' + query, { method: 'PUT', headers: { 'content-type': 'text/plain; charset=utf-8' }, body: text })
  return await res.json() as ConfSummary
}

/** Every stored file with its numbers of variables and categories. */
export async function confList (t: Target): Promise<ConfSummary[]> {
  const out: ConfSummary[] = []
  let cursor: string | null = null
  do {
    const res = await call(t, '/api/v1/configs?limit=100' + (cursor !== null ? '&cursor=' + encodeURIComponent(cursor) : ''))
    const page = await res.json() as { items: Array<{ id: string, lines?: Array<{ category: string, catMetric: number }>, description?: string }>, nextCursor: string | null }
    for (const it of page.items) {
      const lines = it.lines ?? []
      const s: ConfSummary = { id: it.id, lines: lines.length, categories: new Set(lines.map((l) => l.category + '\u0000' + String(l.catMetric))).size }
      if (it.description !== undefined) s.description = it.description
      out.push(s)
    }
    cursor = page.nextCursor
  } while (cursor !== null)
  return out
}

/** The stored file as `.conf` text. */
export async function confShow (t: Target, name: string): Promise<string> {
  return await (await call(t, path(name) + '/conf')).text()
}

export async function confDelete (t: Target, name: string): Promise<void> {
  await call(t, path(name), { method: 'DELETE' })
}

/** Register `federator conf …` (`client` adds the --url/--token/--data options, `configFrom` reads the settings). */
export function registerConf (program: Command, client: (cmd: Command) => Command, configFrom: (opts: Record<string, unknown>) => Config): void {
  const conf = program.command('conf').description('static realtime config files (queues.conf, …) that Asterisk loads from the node')
  const run = async (opts: Record<string, unknown>): Promise<Target> => await target(configFrom(opts), opts)

  client(conf.command('import'))
    .description('store (or replace) a .conf file; Asterisk reads it at its next reload ("-" reads stdin, with --name)')
    .argument('<file>', '.conf file, or - for stdin')
    .option('--name <name>', 'the file name Asterisk asks for (default: the file\'s base name)')
    .option('--description <text>', 'a note kept with the file')
    .action(async (file: string, opts: Record<string, unknown>) => {
      const r = await confImport(await run(opts), file, { name: opts.name as string | undefined, description: opts.description as string | undefined })
      for (const w of r.warnings ?? []) process.stderr.write(`${r.id}:${w.line}: ${w.message}\n`)
      process.stdout.write(`stored ${r.id}: ${r.lines} variables in ${r.categories} categories\n`)
    })

  client(conf.command('list'))
    .description('list the stored files')
    .action(async (opts: Record<string, unknown>) => {
      const list = await confList(await run(opts))
      if (list.length === 0) { process.stdout.write('no config files stored\n'); return }
      for (const c of list) process.stdout.write(`${c.id}\t${c.lines} variables\t${c.categories} categories${c.description !== undefined ? '\t' + c.description : ''}\n`)
    })

  client(conf.command('show'))
    .description('print a stored file as .conf text')
    .argument('<name>', 'file name, e.g. queues.conf')
    .action(async (name: string, opts: Record<string, unknown>) => {
      process.stdout.write(await confShow(await run(opts), name))
    })

  client(conf.command('delete'))
    .description('delete a stored file (Asterisk then loads it empty: it is still mapped in extconfig.conf)')
    .argument('<name>', 'file name, e.g. queues.conf')
    .action(async (name: string, opts: Record<string, unknown>) => {
      await confDelete(await run(opts), name)
      process.stdout.write(`deleted ${name}\n`)
    })
}
