/**
 * `federator token create|list|revoke`: the cluster's admin tokens
 * (`/api/v1/tokens`). A token made on any node works on every node once
 * replicated; a revoked one is refused everywhere once the revocation is.
 * `create` prints the token once: only its hash is kept.
 */
import type { Command } from 'commander'
import { FedError, TOKEN_SCOPES, type TokenScope } from '@federator/core'
import { call, target, type Target } from '../client.js'
import type { Config } from '../config.js'
import { table } from './status.js'

export interface TokenInfo { id: string, name: string, scope: TokenScope, created: string, createdBy?: string }

export async function tokenCreate (t: Target, name: string, scope: TokenScope): Promise<TokenInfo & { token: string }> {
  const res = await call(t, '/api/v1/tokens', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, scope }) })
  return await res.json() as TokenInfo & { token: string }
}

export async function tokenList (t: Target): Promise<TokenInfo[]> {
  const out: TokenInfo[] = []
  let cursor: string | null = null
  do {
    const q: string = cursor === null ? '' : '&cursor=' + encodeURIComponent(cursor)
    const page = await (await call(t, '/api/v1/tokens?limit=1000' + q)).json() as { items: TokenInfo[], nextCursor: string | null }
    out.push(...page.items)
    cursor = page.nextCursor
  } while (cursor !== null)
  return out
}

/** Revoke by id (or by the whole token string: its id is the part after `fedt_`). */
export async function tokenRevoke (t: Target, ref: string): Promise<string> {
  const m = /^fedt_([0-9a-f]{16})_/.exec(ref)
  const id = m !== null ? m[1]! : ref
  await call(t, '/api/v1/tokens/' + encodeURIComponent(id), { method: 'DELETE' })
  return id
}

/** Register `federator token …` (`client` adds the --url/--token/--data options, `configFrom` reads the settings). */
export function registerToken (program: Command, client: (cmd: Command) => Command, configFrom: (opts: Record<string, unknown>) => Config): void {
  const tok = program.command('token').description('the cluster\'s admin tokens: one token works on every node (create, list, revoke)')
  const run = async (opts: Record<string, unknown>): Promise<Target> => await target(configFrom(opts), opts)

  client(tok.command('create'))
    .description('create an admin token and print it (shown once: only its hash is kept)')
    .requiredOption('--name <name>', 'what or who it is for (e.g. "ci", "alice laptop")')
    .option('--scope <scope>', 'admin (everything) or read (GET requests only)', 'admin')
    .option('--json', 'print the answer as JSON')
    .action(async (opts: Record<string, unknown>) => {
      const scope = opts.scope as string
      if (!(TOKEN_SCOPES as readonly string[]).includes(scope)) throw new FedError('FED_ERR_CONFIG', `--scope: expected ${TOKEN_SCOPES.join(' or ')}, got ${JSON.stringify(scope)}`)
      const r = await tokenCreate(await run(opts), opts.name as string, scope as TokenScope)
      if (opts.json === true) { process.stdout.write(JSON.stringify(r, null, 2) + '\n'); return }
      process.stderr.write(`created token ${r.id} "${r.name}" (scope ${r.scope}); it is shown this once:\n`)
      process.stdout.write(r.token + '\n')
    })

  client(tok.command('list'))
    .description('list the admin tokens (id, name, scope, created; never secrets)')
    .option('--json', 'print the raw JSON')
    .action(async (opts: Record<string, unknown>) => {
      const list = await tokenList(await run(opts))
      if (opts.json === true) { process.stdout.write(JSON.stringify(list, null, 2) + '\n'); return }
      if (list.length === 0) { process.stdout.write('no admin tokens\n'); return }
      process.stdout.write(table(['id', 'scope', 'created', 'created by', 'name'], list.map((x) => [x.id, x.scope, x.created, x.createdBy ?? '', x.name])) + '\n')
    })

  client(tok.command('revoke'))
    .description('revoke an admin token: every node refuses it once the revocation has replicated')
    .argument('<id>', 'the token id (from token list), or the token itself')
    .action(async (ref: string, opts: Record<string, unknown>) => {
      const id = await tokenRevoke(await run(opts), ref)
      process.stdout.write(`revoked token ${id}\n`)
    })
}
