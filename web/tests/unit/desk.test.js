// The desk pages' own logic: exact money sums and parsing in 分, the cashier's amount check,
// kWh and percent display, chart series from the API's rows, and page permissions.
import { describe, expect, it } from 'vitest'
import {
  amountProblem, chartNumber, fenToAmount, formatKwh, formatPct, seriesByKey, sumAmounts, toFen,
} from '../../src/format.js'
import { allowed } from '../../src/perms.js'
import { runStatusTag } from '../../src/billing.js'
import { useKeyset } from '../../src/keyset.js'

describe('money in 分', () => {
  it('parses decimal strings exactly', () => {
    expect(toFen('146.49')).toBe(14649n)
    expect(toFen('-0.5')).toBe(-50n)
    expect(toFen('92233720368547758.07')).toBe(9223372036854775807n)
    expect(toFen('1.234')).toBeNull()
    expect(toFen(1.5)).toBeNull()
  })
  it('formats back', () => {
    expect(fenToAmount(14649n)).toBe('146.49')
    expect(fenToAmount(-5n)).toBe('-0.05')
    expect(fenToAmount(0n)).toBe('0.00')
  })
  it('sums without floating point', () => {
    expect(sumAmounts(['0.10', '0.20'])).toBe('0.30')
    expect(sumAmounts(['1.00', '2.31', '-0.31'])).toBe('3.00')
    expect(sumAmounts([])).toBe('0.00')
    expect(sumAmounts(['90071992547409.93', '0.01'])).toBe('90071992547409.94')
  })
})

describe("the cashier's amount", () => {
  it('accepts positive amounts with at most two decimals', () => {
    for (const ok of ['50', '50.5', '50.50', ' 0.01 ', '100000000']) expect(amountProblem(ok), ok).toBe('')
  })
  it('names the problem', () => {
    expect(amountProblem('')).toBe('cash.amountRequired')
    expect(amountProblem('12.345')).toBe('cash.amountFormat')
    expect(amountProblem('1,000')).toBe('cash.amountFormat')
    expect(amountProblem('-5')).toBe('cash.amountFormat')
    expect(amountProblem('0.00')).toBe('cash.amountPositive')
    expect(amountProblem('100000000.01')).toBe('cash.amountTooLarge')
  })
})

describe('display', () => {
  it('shows kWh grouped and exact', () => {
    expect(formatKwh('1320.00')).toBe('1,320.00 kWh')
    expect(formatKwh('600.5', { unit: false })).toBe('600.50')
    expect(formatKwh('x')).toBeNull()
  })
  it('shows percentages', () => {
    expect(formatPct('98.89')).toBe('98.89%')
    expect(formatPct('100')).toBe('100.00%')
    expect(formatPct(null)).toBe('—')
  })
  it('turns figures into chart numbers only for drawing', () => {
    expect(chartNumber('1320.50')).toBe(1320.5)
    expect(chartNumber(null)).toBe(0)
    expect(chartNumber('abc')).toBe(0)
  })
})

describe('seriesByKey', () => {
  it('makes one series per key over the sorted periods, 0 where a key has no row', () => {
    const rows = [
      { period: '2025-05', user_type: 'resident', energy_kwh: '220.00' },
      { period: '2025-04', user_type: 'resident', energy_kwh: '180.00' },
      { period: '2025-05', user_type: 'general_ci', energy_kwh: '1100.00' },
    ]
    const r = seriesByKey(rows, { key: 'user_type', value: 'energy_kwh', label: (k) => k.toUpperCase() })
    expect(r.periods).toEqual(['2025-04', '2025-05'])
    expect(r.series).toEqual([
      { name: 'GENERAL_CI', data: [0, 1100] },
      { name: 'RESIDENT', data: [180, 220] },
    ])
  })
})

describe('page permissions', () => {
  const cashier = { permissions: ['customer:read', 'bill:read', 'payment:read', 'payment:post'] }
  it('lets a page without a permission through', () => {
    expect(allowed({ meta: {} }, cashier)).toBe(true)
    expect(allowed({}, null)).toBe(true)
  })
  it('needs the named permission', () => {
    expect(allowed({ meta: { perm: 'payment:read' } }, cashier)).toBe(true)
    expect(allowed({ meta: { perm: 'audit:read' } }, cashier)).toBe(false)
    expect(allowed({ meta: { perm: 'audit:read' } }, null)).toBe(false)
  })
})

describe('bill runs', () => {
  it('a failed run is red, the others as before', () => {
    expect(['failed', 'issued', 'computed', 'running', 'replaced', 'odd'].map(runStatusTag))
      .toEqual(['danger', 'success', 'warning', 'info', 'info', 'info'])
  })
})

describe('server pages with string cursors (bills PERIOD:ID, payment receipts)', () => {
  it('pass each page\'s next back as the cursor of the following one, and go back without asking', async () => {
    const asked = []
    const pages = {
      null: { items: ['b3', 'b2'], next: '2025-07:3' },
      '2025-07:3': { items: ['b1'], next: null },
    }
    const k = useKeyset(async (after) => (asked.push(after), pages[after]))
    await k.restart()
    await k.load(1)
    expect([k.rows.value, k.next.value]).toEqual([['b1'], null])
    await k.load(0)
    expect([k.rows.value, k.page.value, k.next.value]).toEqual([['b3', 'b2'], 0, '2025-07:3'])
    expect(asked).toEqual([null, '2025-07:3', null])
  })
})
