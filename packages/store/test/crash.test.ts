import t from 'tap'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { Store } from '../src/index.js'

const child = fileURLToPath(new URL('./fixtures/bulk-writer.ts', import.meta.url))

t.test('SIGKILL in the middle of a bulk import loses no acknowledged write; the view equals a rebuild', async (t) => {
  const dir = t.testdir()
  const proc = spawn(process.execPath, ['--import=tsx', '--conditions=fed-source', child, dir], { stdio: ['ignore', 'pipe', 'inherit'] })
  t.teardown(() => { if (proc.exitCode === null) proc.kill('SIGKILL') })
  let acked = -1
  await new Promise<void>((resolve, reject) => {
    let buf = ''
    proc.stdout.on('data', (d: Buffer) => {
      buf += d.toString()
      for (const line of buf.split('\n').slice(0, -1)) {
        const m = /^acked (\d+)/.exec(line)
        if (m !== null) acked = Number(m[1])
      }
      buf = buf.slice(buf.lastIndexOf('\n') + 1)
      if (acked >= 6000 && proc.exitCode === null) { proc.kill('SIGKILL'); resolve() }
    })
    proc.on('exit', (code, signal) => { if (signal !== 'SIGKILL') reject(new Error(`writer exited early: ${code}`)) })
  })
  await new Promise((resolve) => proc.once('exit', resolve))
  t.ok(acked >= 6000, `killed after ${acked + 1} acknowledged writes`)

  const store = new Store({ dir })
  t.teardown(() => store.close())
  await store.ready()
  const total = store.count('device')
  t.ok(total >= acked + 1, `${total} devices present, ${acked + 1} acknowledged`)
  const missing: string[] = []
  for (let i = 0; i <= acked; i++) if (store.getSync('device', 'dev' + i) === undefined) missing.push('dev' + i)
  t.same(missing, [], 'every acknowledged write is there')
  const hash = store.viewHash()
  t.equal(await store.rebuild(), hash, 'the resumed view equals a rebuild from the log')
})
