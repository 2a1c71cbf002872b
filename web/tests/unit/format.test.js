import { describe, expect, it } from 'vitest'
import { formatMoney, formatDateTime } from '../../src/format.js'

describe('formatMoney', () => {
  it('groups thousands and keeps two decimals', () => {
    expect(formatMoney('146.49')).toBe('¥146.49')
    expect(formatMoney('1234567.8')).toBe('¥1,234,567.80')
    expect(formatMoney('1000')).toBe('¥1,000.00')
    expect(formatMoney('0.05')).toBe('¥0.05')
  })
  it('is exact beyond what a double holds', () => {
    expect(formatMoney('92233720368547758.07')).toBe('¥92,233,720,368,547,758.07')
  })
  it('handles negatives and negative zero', () => {
    expect(formatMoney('-1234.5')).toBe('-¥1,234.50')
    expect(formatMoney('-0.00')).toBe('¥0.00')
  })
  it('uses CNY in English and can omit the symbol', () => {
    expect(formatMoney('300.00', 'en')).toBe('CNY 300.00')
    expect(formatMoney('300', 'zh-CN', { symbol: false })).toBe('300.00')
  })
  it('drops leading zeros', () => {
    expect(formatMoney('000123.4')).toBe('¥123.40')
  })
  it('refuses what is not an amount', () => {
    for (const bad of [146.49, '1.234', '1e3', '', 'abc', '1,000.00', null, undefined, '--1'])
      expect(formatMoney(bad)).toBeNull()
  })
})

describe('formatDateTime', () => {
  it('shows instants in Beijing time', () => {
    expect(formatDateTime('2025-06-30T16:05:00Z')).toBe('2025-07-01 00:05')
  })
  it('is empty for nothing or garbage', () => {
    expect(formatDateTime(null)).toBe('')
    expect(formatDateTime('not a date')).toBe('')
  })
})
