// The service centre's logic (src/service.js): SLA state and countdown from the server's clock,
// the buttons an order shows, the requests of its steps and the field crew's next step.
import { describe, expect, it } from 'vitest'
import {
  codeName, crewStep, remaining, serverClock, slaCounts, slaStateAt, slaTag, splitAllowed, splitMinutes, stepRequest, taxName,
} from '../../src/service.js'

const T = (iso) => Date.parse(iso)
const sla = { state: 'ok', metric: 'arrival', deadline_at: '2025-07-01T02:45:00Z', warn_at: '2025-07-01T02:36:00Z' }

describe('SLA state and countdown', () => {
  it('counts on the server clock, not the browser clock', () => {
    expect(serverClock('2025-07-01T02:00:00Z', 1000, 61000)).toBe(T('2025-07-01T02:01:00Z'))
    expect(serverClock(null, 0, 5)).toBe(5)
  })
  it('moves ok -> warning -> breached as time passes, like the API filter', () => {
    expect(slaStateAt(sla, T('2025-07-01T02:10:00Z'))).toBe('ok')
    expect(slaStateAt(sla, T('2025-07-01T02:36:00Z'))).toBe('warning')
    expect(slaStateAt(sla, T('2025-07-01T02:45:00Z'))).toBe('warning')
    expect(slaStateAt(sla, T('2025-07-01T02:45:00.001Z'))).toBe('breached')
    expect(slaStateAt({ ...sla, state: 'paused' }, T('2025-07-02T00:00:00Z'))).toBe('paused')
    expect(slaStateAt({ state: 'none', deadline_at: null }, 0)).toBe('none')
    expect(slaStateAt(null, 0)).toBe('none')
  })
  it('gives the time left or overdue in whole minutes', () => {
    expect(remaining(sla.deadline_at, T('2025-07-01T02:00:00Z'))).toEqual({ minutes: 45, late: false })
    expect(remaining(sla.deadline_at, T('2025-07-01T03:05:30Z'))).toEqual({ minutes: 20, late: true })
    expect(remaining(null, 0)).toBe(null)
    expect(splitMinutes(1505)).toEqual({ d: 1, h: 1, m: '05' })
    expect(splitMinutes(45)).toEqual({ d: 0, h: 0, m: '45' })
  })
  it('colours the states', () => {
    expect(['ok', 'warning', 'breached', 'paused', 'none'].map(slaTag)).toEqual(['success', 'warning', 'danger', 'info', 'info'])
    expect(['met', 'missed', 'pending', 'cancelled'].map(slaTag)).toEqual(['success', 'danger', 'info', 'info'])
  })
  it('counts the per-state replies, marking a capped one', () => {
    expect(slaCounts({ open: 3, counts: { ok: 2, warning: 0, breached: 1, paused: 0, none: 0 } })).toEqual({ ok: '2', warning: '0', breached: '1', paused: '0', none: '0' })
    expect(slaCounts({ counts: { ok: 5 } })).toEqual({ ok: '5', warning: '0', breached: '0', paused: '0', none: '0' })
  })
})

describe('steps', () => {
  it('shows only what the API allows, in the order of the loop', () => {
    expect(splitAllowed(['merge', 'pause', 'process', 'archive'])).toEqual({ moves: ['process', 'archive'], other: ['pause', 'merge'] })
    expect(splitAllowed([])).toEqual({ moves: [], other: [] })
    expect(splitAllowed(['unknown'])).toEqual({ moves: [], other: [] })
  })
  it('builds each step request', () => {
    expect(stepRequest('reply', { note: ' 已答复 ' })).toEqual(['reply', { note: '已答复' }])
    expect(stepRequest('process', { note: '  ' })).toEqual(['process', {}])
    expect(stepRequest('assign', { org: 'ZJ-HZ', assignee: ' crew1 ' })).toEqual(['dispatch', { org: 'ZJ-HZ', assignee: 'crew1' }])
    expect(stepRequest('classify', { subtype: 'service', severity: 'important', area: '' })).toEqual(['classify', { subtype: 'service', severity: 'important' }])
    expect(stepRequest('merge', { into: '12' })).toEqual(['merge', { into: 12 }])
  })
  it("gives the field crew's next step: accept, arrived, restored", () => {
    expect(crewStep(['process', 'pause'])?.key).toBe('accept')
    expect(crewStep(['respond', 'pause'])?.key).toBe('arrived')
    expect(crewStep(['reply', 'pause'])?.key).toBe('restored')
    expect(crewStep(['review'])).toBe(null)
  })
})

describe('taxonomy names', () => {
  const types = [{ code: 'complaint', name_zh: '投诉', name_en: 'Complaint', subtypes: [{ code: 'service', name_zh: '服务投诉', name_en: 'Service complaint' }] }]
  it('names types and subtypes in the language, codes when unknown', () => {
    expect(taxName(types, 'complaint', '', 'zh-CN')).toBe('投诉')
    expect(taxName(types, 'complaint', 'service', 'en')).toBe('Service complaint')
    expect(taxName(types, 'fault', '', 'en')).toBe('fault')
    expect(codeName([{ code: 'urban', name_zh: '城市', name_en: 'Urban' }], 'urban', 'zh-CN')).toBe('城市')
    expect(codeName([], 'rural', 'en')).toBe('rural')
  })
})
