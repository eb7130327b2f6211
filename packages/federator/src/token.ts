/**
 * The admin bearer token: FEDERATOR_ADMIN_TOKEN when set; otherwise generated
 * on first start and kept in <data>/admin-token (mode 0600).
 */
import { randomBytes } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

export const TOKEN_FILE = 'admin-token'

export async function readToken (dataDir: string): Promise<string | undefined> {
  const text = await readFile(join(dataDir, TOKEN_FILE), 'utf8').catch(() => undefined)
  return text?.trim() || undefined
}

/** Returns the token and whether it was generated now (then the caller prints it once). */
export async function adminToken (dataDir: string, fromEnv?: string): Promise<{ token: string, generated: boolean }> {
  if (fromEnv !== undefined && fromEnv !== '') return { token: fromEnv, generated: false }
  const existing = await readToken(dataDir)
  if (existing !== undefined) return { token: existing, generated: false }
  const token = randomBytes(24).toString('base64url')
  await writeFile(join(dataDir, TOKEN_FILE), token + '\n', { mode: 0o600, flag: 'wx' }).catch(async (err) => {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
  })
  return { token: (await readToken(dataDir))!, generated: true }
}
