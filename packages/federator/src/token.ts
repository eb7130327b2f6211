/**
 * Admin tokens as a node and the local CLI see them.
 *
 * The cluster's tokens are replicated `token` records (core tokens.ts, server
 * http/auth.ts): one token works on every node. The first one is made by `init`
 * (and by the first start of a standalone node that has no token at all) and
 * kept in `<data>/admin-token` (mode 0600) for the local CLI; it is printed
 * once.
 *
 * A node may also have a local token (full scope, this node only): the
 * FEDERATOR_ADMIN_TOKEN setting, or an `<data>/admin-token` file written by an
 * older version — so existing data directories and scripts keep working. A
 * `fedt_…` value is never a local token (see localToken).
 */
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseToken } from '@federator/core'
import type { Store } from '@federator/store'
import { createToken } from '@federator/server'

export const TOKEN_FILE = 'admin-token'
/** Name of the token made by init or the first start. */
export const FIRST_TOKEN_NAME = 'first admin token (init)'

export async function readToken (dataDir: string): Promise<string | undefined> {
  const text = await readFile(join(dataDir, TOKEN_FILE), 'utf8').catch(() => undefined)
  return text?.trim() || undefined
}

/**
 * The node's local token: the configured one, else a token file of an older
 * version. A `fedt_…` value is never local: it is a cluster token, checked
 * against its record, so revoking it works on this node too.
 */
export async function localToken (dataDir: string, fromConfig?: string): Promise<string | undefined> {
  if (fromConfig !== undefined && fromConfig !== '') return parseToken(fromConfig) === undefined ? fromConfig : undefined
  const file = await readToken(dataDir)
  return file !== undefined && parseToken(file) === undefined ? file : undefined
}

/**
 * Make the cluster's first admin token when this data directory has none: no
 * token file and no token record. Returns it (the caller prints it once), or
 * undefined when there was one already.
 */
export async function firstToken (store: Store, dataDir: string): Promise<string | undefined> {
  if (await readToken(dataDir) !== undefined) return undefined
  if (store.count('token') > 0) return undefined
  const t = await createToken(store, FIRST_TOKEN_NAME, 'admin')
  await writeFile(join(dataDir, TOKEN_FILE), t.token + '\n', { mode: 0o600, flag: 'wx' })
  return t.token
}
