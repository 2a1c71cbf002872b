// Billing page logic apart from its components (Vitest: tests/unit/desk.test.js): the tag
// colour of a bill run's status, failed (a background run stopped on an error) in red.

/** Element Plus tag type of a run status (running, failed, computed, issued, replaced). */
export function runStatusTag(status) {
  return { issued: 'success', computed: 'warning', running: 'info', failed: 'danger' }[status] || 'info'
}
