/** A Map of Sets, the index shape of the realtime tables (key → ids). */
export function addTo (m: Map<string, Set<string>>, k: string, v: string): void {
  let s = m.get(k)
  if (s === undefined) m.set(k, s = new Set())
  s.add(v)
}

export function removeFrom (m: Map<string, Set<string>>, k: string, v: string): void {
  const s = m.get(k)
  if (s === undefined) return
  s.delete(v)
  if (s.size === 0) m.delete(k)
}
