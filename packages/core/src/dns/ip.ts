/** IP address syntax checks (pure; node:net's isIP without the import, so core stays free of I/O modules). */
const V4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/

export const isIPv4 = (s: string): boolean => V4.test(s)

export function isIPv6 (s: string): boolean {
  if (!/^[0-9a-fA-F:.]+$/.test(s) || !s.includes(':')) return false
  let body = s
  let groups = 8
  const lastColon = s.lastIndexOf(':')
  const tail = s.slice(lastColon + 1)
  if (tail.includes('.')) {
    if (!isIPv4(tail)) return false
    body = s.slice(0, lastColon + 1) + '0'
    groups = 7
  }
  const halves = body.split('::')
  if (halves.length > 2) return false
  const parts = (h: string): string[] => h === '' ? [] : h.split(':')
  const all = halves.flatMap(parts)
  if (!all.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return false
  return halves.length === 2 ? all.length < groups : all.length === groups
}
