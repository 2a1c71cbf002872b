// Satisfaction figures for the charts (SatisfactionView.vue, DashboardView.vue): the months of a
// trend window and the ECharts option of CSAT by month against its target. The percentages
// arrive as decimal strings ("83.33", null for a month without answers); only the chart's
// geometry turns them into numbers.
import { chartNumber } from './format.js'

/** The `n` months ending with the month of `now` (a Date, local time): {from, to} as YYYY-MM. */
export function lastMonths(n, now = new Date()) {
  const ym = (y, m) => `${y}-${String(m + 1).padStart(2, '0')}`
  const y = now.getFullYear()
  const m = now.getMonth()
  const start = new Date(y, m - (n - 1), 1)
  return { from: ym(start.getFullYear(), start.getMonth()), to: ym(y, m) }
}

/** Whether `s` is a month YYYY-MM (01..12). */
export const isMonth = (s) => /^\d{4}-(0[1-9]|1[0-2])$/.test(String(s ?? ''))

/**
 * The option of a CSAT trend: `rows` are the report's by=period rows ({key, csat_pct,
 * target_pct}); months without answers are gaps. Series named by `names` ({csat, target}).
 */
export function csatTrendOption(rows, names) {
  const months = rows.map((r) => r.key)
  const target = rows.find((r) => r.target_pct)?.target_pct ?? 95
  return {
    tooltip: { trigger: 'axis', valueFormatter: (v) => (v === null || v === undefined ? '—' : `${v}%`) },
    legend: { top: 0 },
    grid: { left: 8, right: 12, top: 36, bottom: 8, containLabel: true },
    xAxis: { type: 'category', data: months },
    yAxis: { type: 'value', min: 0, max: 100, axisLabel: { formatter: '{value}%', fontSize: 11 } },
    series: [
      { name: names.csat, type: 'line', connectNulls: false, symbolSize: 8, data: rows.map((r) => (r.csat_pct === null ? null : chartNumber(r.csat_pct))) },
      { name: names.target, type: 'line', symbol: 'none', lineStyle: { type: 'dashed' }, data: months.map(() => target) },
    ],
  }
}
