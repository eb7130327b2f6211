/**
 * The Docker image builds — checked without a Docker engine. The build
 * context is rebuilt in a temporary folder from the Dockerfile's own COPY
 * lines and .dockerignore (exactly those files, nothing else), the build
 * stage's RUN line runs there as written (npm ci, tsc -b, npm prune; packages
 * from the npm cache: npm_config_prefer_offline), then the image's ENTRYPOINT
 * answers --version and its HEALTHCHECK command passes against a running node
 * and fails once it has stopped.
 */
import t from 'tap'
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildRuns, contextCopies, entrypoint, healthcheck, parseDockerfile, parseDockerignore, readText, reproduceContext } from './helpers/docker-context.js'

// npm ci and a build take a minute alone, a few while the rest of the suite loads the machine
t.setTimeout(600_000)

const REPO = fileURLToPath(new URL('..', import.meta.url))
const instructions = parseDockerfile(readText(join(REPO, 'Dockerfile')))
const rules = parseDockerignore(readText(join(REPO, '.dockerignore')))

interface Run { code: number | null, stdout: string, stderr: string }

/** Runs a command to its end (killed after timeoutMs: a bound against hangs, not a timing assertion). */
function run (cmd: string, args: string[], opts: { cwd: string, env?: NodeJS.ProcessEnv, timeoutMs: number }): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString() })
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs)
    child.on('error', reject)
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }) })
  })
}

function freePort (): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.on('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
  })
}

t.test('.dockerignore keeps host build output, modules and data out', async (t) => {
  const { ignored } = await import('./helpers/docker-context.js')
  for (const p of ['node_modules', 'packages/core/node_modules/x/index.js', 'packages/core/dist/index.js', 'data', 'packages/x/data/log', '.git', 'packages/core/tsconfig.tsbuildinfo']) {
    t.ok(ignored(rules, p), `${p} is left out`)
  }
  for (const p of ['packages/core/src/index.ts', 'packages/federator/bin/federator.js', 'package.json', '.npmrc', 'types/modules.d.ts']) {
    t.notOk(ignored(rules, p), `${p} is kept`)
  }
})

t.test('the build stage, replayed from the Dockerfile in a copy of its context', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fed-docker-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))

  const copied = reproduceContext(REPO, dir, contextCopies(instructions), rules)
  t.ok(copied.includes('.npmrc'), 'the context has .npmrc (legacy-peer-deps: npm ci fails without it)')
  t.ok(copied.includes('package-lock.json'), 'the context has the lock file')
  t.same(copied.filter((p) => /(^|\/)(node_modules|dist|data)(\/|$)/.test(p)), [], 'no host node_modules, dist or data in the context')
  t.notOk(existsSync(join(dir, 'packages/federator/dist')), 'nothing built before the build')

  const runs = buildRuns(instructions)
  t.equal(runs.length, 1, 'the build stage builds in one RUN')
  const env = { npm_config_prefer_offline: 'true', npm_config_update_notifier: 'false', NODE_ENV: '' }
  const build = await run('sh', ['-c', runs[0]!], { cwd: dir, env, timeoutMs: 420_000 })
  t.equal(build.code, 0, build.code === 0 ? 'the RUN line succeeds' : `the RUN line fails:\n${build.stderr.slice(-3000)}`)
  t.notMatch(build.stderr, /EBADENGINE/, 'no engine warnings')
  if (build.code !== 0) return

  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }
  const [cmd, ...args] = entrypoint(instructions)
  const version = await run(cmd!, [...args, '--version'], { cwd: dir, timeoutMs: 30_000 })
  t.equal(version.code, 0, `ENTRYPOINT --version exits 0\n${version.stderr}`)
  t.equal(version.stdout.trim(), pkg.version, 'and prints the version')
  t.notOk(existsSync(join(dir, 'node_modules/typescript')), 'dev dependencies pruned')

  // the HEALTHCHECK command against a node started as the image starts it (ENTRYPOINT + CMD start)
  const port = await freePort()
  const nodeEnv = { FEDERATOR_HTTP: `127.0.0.1:${port}`, FEDERATOR_DATA: join(dir, 'data'), FEDERATOR_LOG_LEVEL: 'warn', NODE_ENV: 'production' }
  const [hcCmd, ...hcArgs] = healthcheck(instructions)
  const before = await run(hcCmd!, hcArgs, { cwd: dir, env: nodeEnv, timeoutMs: 30_000 })
  t.equal(before.code, 1, 'HEALTHCHECK fails while no node answers')
  const node = spawn(cmd!, [...args, 'start'], { cwd: dir, env: { ...process.env, ...nodeEnv }, stdio: ['ignore', 'pipe', 'pipe'] })
  t.teardown(() => { if (node.exitCode === null) node.kill('SIGKILL') })
  let out = ''
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`node did not start: ${out}`)), 60_000)
    node.stdout.on('data', (d: Buffer) => { out += d.toString(); if (out.includes('listening on')) { clearTimeout(timer); resolve() } })
    node.stderr.on('data', (d: Buffer) => { out += d.toString() })
    node.on('exit', (code) => { clearTimeout(timer); reject(new Error(`node exited ${String(code)}: ${out}`)) })
  })
  const healthy = await run(hcCmd!, hcArgs, { cwd: dir, env: nodeEnv, timeoutMs: 30_000 })
  t.equal(healthy.code, 0, `HEALTHCHECK passes against the running node\n${healthy.stderr}`)
  const exited = new Promise((resolve) => node.on('exit', resolve))
  node.kill('SIGTERM')
  await exited
  const after = await run(hcCmd!, hcArgs, { cwd: dir, env: nodeEnv, timeoutMs: 30_000 })
  t.equal(after.code, 1, 'and fails once the node has stopped')
})

t.test('compose.yaml: three nodes, one join secret, a data volume each, known settings only', async (t) => {
  const { parse } = await import('yaml')
  const { fromEnv } = await import('../packages/federator/src/config.js')
  const compose = parse(readText(join(REPO, 'compose.yaml')), { merge: true }) as {
    services: Record<string, { image?: string, command?: string[], environment?: Record<string, string>, volumes?: string[], secrets?: string[], ports?: string[] }>
    secrets: Record<string, { file: string }>
    volumes: Record<string, unknown>
  }
  const nodes = Object.entries(compose.services).filter(([, s]) => s.command === undefined)
  t.equal(nodes.length, 3, 'three nodes')
  const volumes = new Set<string>()
  const names = new Set<string>()
  for (const [name, s] of nodes) {
    const env = s.environment ?? {}
    const known = Object.keys(fromEnv(Object.fromEntries(Object.keys(env).map((k) => [k, 'x'])))).length
    t.equal(known, Object.keys(env).length, `${name}: every environment variable is a Federator setting`)
    t.equal(env.FEDERATOR_JOIN_FILE, '/run/secrets/federator_join', `${name}: the join string from the shared secret`)
    t.same(s.secrets, ['federator_join'])
    t.ok(env.FEDERATOR_BOOTSTRAP !== undefined || env.FEDERATOR_PEERS !== undefined || env.FEDERATOR_LAN !== undefined, `${name}: a way to find its peers`)
    t.ok(env.FEDERATOR_SIP_ADDRESS !== undefined, `${name}: a SIP address for inter-node calls`)
    const data = (s.volumes ?? []).find((v) => v.endsWith(':/data'))
    t.ok(data !== undefined && compose.volumes[data.split(':')[0]!] !== undefined, `${name}: a named data volume`)
    volumes.add(data ?? '')
    names.add(env.FEDERATOR_NAME ?? '')
    t.match(s.ports?.[0] ?? '', /^127\.0\.0\.1:\d+:7280$/, `${name}: HTTP published on loopback`)
  }
  t.equal(volumes.size, 3, 'a volume per node')
  t.equal(names.size, 3, 'distinct node names')
  t.ok(compose.secrets.federator_join?.file !== undefined, 'the join secret comes from a file')
  const boot = Object.values(compose.services).find((s) => s.command?.[0] === 'bootstrap')
  const addr = `${boot?.command?.[boot.command.indexOf('--host') + 1] ?? ''}:${boot?.command?.[boot.command.indexOf('--port') + 1] ?? ''}`
  for (const [name, s] of nodes) t.equal(s.environment?.FEDERATOR_BOOTSTRAP, addr, `${name}: bootstraps from the bootstrap service (${addr})`)
})
