/**
 * The Docker build, replayed without a Docker engine: what the Dockerfile's
 * build stage COPYs from the context (minus .dockerignore), its RUN line, the
 * final stage's ENTRYPOINT and HEALTHCHECK — read from the Dockerfile itself,
 * so the test and the image cannot drift apart.
 *
 * Supported, and checked: one instruction per line (with `\` continuations),
 * COPY in shell form (`COPY <src>… <dest>`, flags other than --from refused)
 * or JSON form, sources relative to the context; `.dockerignore` patterns with
 * `*`, `?`, `**` and `!` as Docker applies them (a pattern excludes a path when
 * it matches the path or one of its parent directories; the last match wins).
 */
import { cpSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { basename, join } from 'node:path'

export interface Instruction { cmd: string, args: string, stage: number }

/** The Dockerfile's instructions, continuations joined, comments dropped; `stage` counts FROM lines (0 = first). */
export function parseDockerfile (text: string): Instruction[] {
  const out: Instruction[] = []
  let stage = -1
  let pending = ''
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (pending === '' && (line === '' || line.startsWith('#'))) continue
    if (line.endsWith('\\')) { pending += line.slice(0, -1) + ' '; continue }
    const full = (pending + line).trim()
    pending = ''
    const m = /^(\w+)\s+(.*)$/s.exec(full)
    if (m === null) throw new Error(`Dockerfile: cannot read ${JSON.stringify(full)}`)
    const cmd = m[1]!.toUpperCase()
    if (cmd === 'FROM') stage++
    out.push({ cmd, args: m[2]!.trim(), stage })
  }
  return out
}

/** `["a", "b"]` or shell words. */
function words (args: string): string[] {
  if (args.startsWith('[')) return JSON.parse(args) as string[]
  return args.split(/\s+/).filter((w) => w !== '')
}

export interface Copy { sources: string[], dest: string }

/** The build stage's COPY lines from the context (not `--from`), in order. */
export function contextCopies (instructions: Instruction[]): Copy[] {
  const out: Copy[] = []
  for (const i of instructions) {
    if (i.cmd !== 'COPY' && i.cmd !== 'ADD') continue
    const w = words(i.args)
    const flags = w.filter((x) => x.startsWith('--'))
    if (flags.some((f) => f.startsWith('--from'))) continue
    if (i.cmd === 'ADD' || flags.length > 0) throw new Error(`Dockerfile: ${i.cmd} ${i.args}: not understood by this test (plain COPY only)`)
    if (w.length < 2) throw new Error(`Dockerfile: COPY ${i.args}: a source and a destination`)
    out.push({ sources: w.slice(0, -1), dest: w[w.length - 1]! })
  }
  return out
}

/** The build stage's RUN commands (stage 0), as shell command lines. */
export function buildRuns (instructions: Instruction[]): string[] {
  return instructions.filter((i) => i.stage === 0 && i.cmd === 'RUN').map((i) => i.args)
}

/** The last stage's ENTRYPOINT (exec form). */
export function entrypoint (instructions: Instruction[]): string[] {
  const e = instructions.filter((i) => i.cmd === 'ENTRYPOINT').pop()
  if (e === undefined || !e.args.startsWith('[')) throw new Error('Dockerfile: no ENTRYPOINT in exec form')
  return JSON.parse(e.args) as string[]
}

/** The HEALTHCHECK's command (exec form `CMD [...]`). */
export function healthcheck (instructions: Instruction[]): string[] {
  const h = instructions.filter((i) => i.cmd === 'HEALTHCHECK').pop()
  const m = h === undefined ? null : /\bCMD\s+(\[.*\])\s*$/s.exec(h.args)
  if (m === null) throw new Error('Dockerfile: no HEALTHCHECK CMD in exec form')
  return JSON.parse(m[1]!) as string[]
}

function globToRegExp (pattern: string): RegExp {
  let re = ''
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!
    if (c === '*' && pattern[i + 1] === '*') {
      i++
      if (pattern[i + 1] === '/') { i++; re += '(?:.*/)?' } else re += '.*'
    } else if (c === '*') re += '[^/]*'
    else if (c === '?') re += '[^/]'
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&')
  }
  return new RegExp('^' + re + '$')
}

export interface IgnoreRule { negate: boolean, re: RegExp }

export function parseDockerignore (text: string): IgnoreRule[] {
  const rules: IgnoreRule[] = []
  for (const raw of text.split('\n')) {
    let line = raw.trim()
    if (line === '' || line.startsWith('#')) continue
    const negate = line.startsWith('!')
    if (negate) line = line.slice(1).trim()
    line = line.replace(/^\/+/, '').replace(/\/+$/, '').replace(/^\.\//, '')
    rules.push({ negate, re: globToRegExp(line) })
  }
  return rules
}

/** True when `.dockerignore` leaves `rel` (a context-relative path, `/`-separated) out of the context. */
export function ignored (rules: IgnoreRule[], rel: string): boolean {
  const parts = rel.split('/')
  const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join('/'))
  let out = false
  for (const r of rules) if (prefixes.some((p) => r.re.test(p))) out = !r.negate
  return out
}

/**
 * Copies into `dest` what the Dockerfile's context COPYs put in the image's
 * WORKDIR; returns the context-relative paths of the files copied.
 */
export function reproduceContext (repo: string, dest: string, copies: Copy[], rules: IgnoreRule[]): string[] {
  const copied: string[] = []
  const copyFile = (rel: string, to: string): void => {
    mkdirSync(join(to, '..'), { recursive: true })
    cpSync(join(repo, rel), to, { preserveTimestamps: true })
    copied.push(rel)
  }
  const copyTree = (rel: string, to: string): void => {
    for (const e of readdirSync(join(repo, rel), { withFileTypes: true })) {
      const r = rel + '/' + e.name
      if (ignored(rules, r)) continue
      if (e.isDirectory()) copyTree(r, join(to, e.name))
      else if (e.isFile()) copyFile(r, join(to, e.name))
    }
  }
  for (const c of copies) {
    const toDir = c.dest.endsWith('/') || c.sources.length > 1
    for (const src of c.sources) {
      const rel = src.replace(/^\.\//, '').replace(/\/+$/, '')
      if (ignored(rules, rel)) throw new Error(`Dockerfile COPY ${src}: excluded by .dockerignore`)
      const st = statSync(join(repo, rel)) // throws when the source does not exist, as docker build fails
      // a directory's content goes into dest; a file goes to dest/ (a folder) or to dest (a name)
      if (st.isDirectory()) copyTree(rel, join(dest, c.dest))
      else copyFile(rel, toDir ? join(dest, c.dest, basename(rel)) : join(dest, c.dest))
    }
  }
  return copied
}

export function readText (path: string): string {
  return readFileSync(path, 'utf8')
}
