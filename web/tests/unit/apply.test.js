// The applications and satisfaction pages' own logic: the trend window, month checks, the CSAT
// chart option (gaps for months without answers, the target line), keyset paging and the
// translated refusal of a one-approver disconnection of an important customer.
import { describe, expect, it } from 'vitest'
import { csatTrendOption, isMonth, lastMonths } from '../../src/satisfaction.js'
import { useKeyset } from '../../src/keyset.js'
import { errorText } from '../../src/errors.js'

describe('satisfaction figures', () => {
  it('take the 12 months ending with this one, across a year end', () => {
    expect(lastMonths(12, new Date(2025, 6, 1))).toEqual({ from: '2024-08', to: '2025-07' })
    expect(lastMonths(1, new Date(2025, 0, 31))).toEqual({ from: '2025-01', to: '2025-01' })
    expect(lastMonths(3, new Date(2025, 1, 15))).toEqual({ from: '2024-12', to: '2025-02' })
  })
  it('check months', () => {
    expect(isMonth('2025-06')).toBe(true)
    for (const bad of ['2025-13', '2025-6', '2025-00', '', null, '2025-06-01']) expect(isMonth(bad)).toBe(false)
  })
  it('draw CSAT by month with gaps and the target', () => {
    const o = csatTrendOption(
      [
        { key: '2025-05', csat_pct: null, target_pct: 95 },
        { key: '2025-06', csat_pct: '83.33', target_pct: 95 },
      ],
      { csat: 'CSAT', target: 'Target' },
    )
    expect(o.xAxis.data).toEqual(['2025-05', '2025-06'])
    expect(o.series[0]).toMatchObject({ name: 'CSAT', data: [null, 83.33] })
    expect(o.series[1]).toMatchObject({ name: 'Target', data: [95, 95] })
  })
})

describe('keyset pages', () => {
  it('go forward with the server cursor and back without asking for it', async () => {
    const asked = []
    const pages = { null: { items: [1, 2], next: 2 }, 2: { items: [3, 4], next: 4 }, 4: { items: [5], next: null } }
    const k = useKeyset(async (after) => (asked.push(after), pages[after]))
    await k.restart()
    await k.load(1)
    await k.load(2)
    expect([k.rows.value, k.page.value, k.next.value]).toEqual([[5], 2, null])
    await k.load(1)
    expect(k.rows.value).toEqual([3, 4])
    expect(asked).toEqual([null, 2, 4, 2])
  })
  it('report a failed load and keep the rows', async () => {
    let told = null
    const k = useKeyset(async () => {
      throw new Error('down')
    }, (e) => (told = e.message))
    await k.restart()
    expect([told, k.rows.value, k.loading.value]).toEqual(['down', [], false])
  })
})

describe('a disconnection refused for want of a second approver', () => {
  it('is said in the current language', () => {
    const t = (k, p) => `${k}:${JSON.stringify(p)}`
    const e = { code: 'invalid', message: "account 100000001501 is an important customer (重要客户): its disconnection needs a second approver (--second-approver)" }
    expect(errorText(e, t)).toBe('appl.disc.needSecond:{"account":"100000001501"}')
  })
})
