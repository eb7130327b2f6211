/**
 * A newcomer's first minutes: a fresh `git clone` of HEAD, `npm install`
 * (packages from the npm cache: --prefer-offline), then `npx federator
 * --help` works — the bin link npm makes points at a committed shim, not at a
 * dist/ file the build has yet to write — and the install prints no EBADENGINE
 * warning on this Node (one `engines` claims). Before any build the shim says
 * what to do instead of npm's "could not determine executable to run".
 */
import t from 'tap'
import { spawn } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

// npm install (with its build) takes a minute alone, a few while the rest of the suite loads the machine
t.setTimeout(600_000)

const REPO = fileURLToPath(new URL('..', import.meta.url))

interface Run { code: number | null, stdout: string, stderr: string }

/** Runs a command to its end (killed after timeoutMs: a bound against hangs, not a timing assertion). */
function run (cmd: string, args: string[], cwd: string, timeoutMs: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, npm_config_prefer_offline: 'true', npm_config_update_notifier: 'false' }
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString() })
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', reject)
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }) })
  })
}

t.test('the bin shim before any build: a clear message, exit 2', async (t) => {
  const dir = t.testdir()
  mkdirSync(join(dir, 'bin'))
  cpSync(join(REPO, 'packages/federator/bin/federator.js'), join(dir, 'bin/federator.js'))
  const r = await run(process.execPath, [join(dir, 'bin/federator.js'), '--help'], dir, 30_000)
  t.equal(r.code, 2)
  t.match(r.stderr, /federator: not built yet \(.*dist\/cli\.js is missing\): run `npm run build`/)
})

t.test('fresh clone: npm install, then npx federator --help', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fed-clone-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const clone = await run('git', ['clone', '--quiet', '--no-hardlinks', REPO, join(dir, 'federator')], dir, 120_000)
  t.equal(clone.code, 0, `git clone\n${clone.stderr}`)
  const repo = join(dir, 'federator')

  const install = await run('npm', ['install', '--no-audit', '--no-fund'], repo, 420_000)
  t.equal(install.code, 0, install.code === 0 ? 'npm install succeeds' : `npm install fails:\n${install.stderr.slice(-3000)}`)
  t.notMatch(install.stderr, /EBADENGINE/, `no EBADENGINE warning on Node ${process.version}`)

  const help = await run('npx', ['federator', '--help'], repo, 60_000)
  t.equal(help.code, 0, `npx federator --help exits 0\n${help.stderr}`)
  t.match(help.stdout, /Usage: federator/)
  t.match(help.stdout, /\bstart\b/)
})
