import t from 'tap'
import { harness } from './helpers.js'

t.test('filter names that are Object.prototype members are unknown filters (400), not a crash', async (t) => {
  const { api } = await harness(t)
  for (const type of ['users', 'devices', 'trunks']) {
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__', 'isPrototypeOf']) {
      const res = await api('GET', `/api/v1/${type}?${name}=x`)
      t.equal(res.statusCode, 400, `${type}?${name}=x`)
      t.equal(JSON.parse(res.body).code, 'FED_ERR_BAD_QUERY', `${type}?${name}=x`)
    }
  }
})

t.test('row filters: a column named constructor is a column (absent: no match); other prototype names are not column names', async (t) => {
  const { api } = await harness(t)
  await api('PUT', '/api/v1/tables/queues', { keys: ['name'] })
  t.equal((await api('POST', '/api/v1/tables/queues/rows', { columns: { name: 'support' } })).statusCode, 201)
  t.equal((await api('POST', '/api/v1/tables/queues/rows', { columns: { name: 'sales', constructor: 'x' } })).statusCode, 201)
  const page = await api('GET', '/api/v1/tables/queues/rows?constructor=x')
  t.equal(page.statusCode, 200)
  t.same(JSON.parse(page.body).items.map((r: { columns: { name: string } }) => r.columns.name), ['sales'])
  t.same(JSON.parse((await api('GET', '/api/v1/tables/queues/rows?constructor=y')).body).items, [])
  for (const name of ['__proto__', 'toString', 'hasOwnProperty']) {
    const res = await api('GET', `/api/v1/tables/queues/rows?${name}=x`)
    t.equal(res.statusCode, 400, name)
    t.equal(JSON.parse(res.body).code, 'FED_ERR_BAD_QUERY', name)
  }
})
