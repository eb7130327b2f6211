/**
 * Column names that are Object.prototype members (`constructor`, `__proto__`,
 * `toString`) in realtime requests: an absent column is NULL like any other,
 * nothing crashes, no `[object Object]` reaches Asterisk, and a row that
 * really has such a column is found by it.
 */
import t from 'tap'
import { rtHarness } from './harness.js'

const NAMES = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']
const OPS = ['', ' LIKE', ' !=', ' <', ' >=']

t.test('realtime: Object.prototype names as columns are NULL unless the row has them', async (t) => {
  const h = await rtHarness(t)
  await h.write(
    { op: 'create', type: 'user', id: 'alice', fields: { name: 'Alice', extensions: ['100'], voicemail: { pin: '1234' } } },
    { op: 'create', type: 'device', id: 'alice', fields: { user: 'alice', secret: 's3cr3t' } },
    { op: 'create', type: 'row', id: 'queues/support', fields: { family: 'queues', columns: { name: 'support', strategy: 'ringall' } } }
  )
  for (const family of ['queues', 'ps_endpoints', 'sippeers', 'voicemail', 'ps_contacts']) {
    for (const name of NAMES) {
      for (const op of OPS) {
        const crit = encodeURIComponent(name + op)
        for (const [kind, body] of [['multi', `${crit}=%25`], ['multi', `${crit}=x`], ['single', `id=alice&${crit}=x`], ['single', `name=alice&${crit}=%25`]] as const) {
          const r = await h.rt(family, kind, body)
          t.equal(r.status, 200, `${family}/${kind} ${body}`)
          t.equal(r.body, '', `${family}/${kind} ${body}: no row has the column, so no row matches`)
        }
      }
    }
  }
  const errors = h.logs.filter((l) => (l.level as number) >= 50)
  t.same(errors.map((l) => l.msg), [], 'no request failed')
})

t.test('realtime: a generic row may have a column called constructor, and is found by it', async (t) => {
  const h = await rtHarness(t)
  t.equal((await h.rt('queues', 'store', 'name=support&constructor=x&strategy=ringall')).body, '1\n')
  t.equal((await h.rt('queues', 'store', 'name=sales&strategy=linear')).body, '1\n')
  t.equal((await h.rt('queues', 'multi', 'constructor=x')).body, 'constructor=x&name=support&strategy=ringall\n')
  t.equal((await h.rt('queues', 'multi', 'constructor%20!%3D=y')).body, 'constructor=x&name=support&strategy=ringall\n', '!= skips the row without it (NULL)')
  t.equal((await h.rt('queues', 'multi', 'name%20LIKE=s%25&toString%20LIKE=%25')).body, '', 'no row has toString')
  t.equal((await h.rt('queues', 'update', 'constructor=z', 'name=sales')).body, '1\n')
  t.equal((await h.rt('queues', 'multi', 'constructor%20LIKE=%25')).body, 'constructor=x&name=support&strategy=ringall\nconstructor=z&name=sales&strategy=linear\n')
  t.equal((await h.rt('queues', 'destroy', 'constructor=z&')).body, '1\n')
  t.equal((await h.rt('queues', 'multi', 'name%20LIKE=%25')).body, 'name=support&constructor=x&strategy=ringall\n')
})
