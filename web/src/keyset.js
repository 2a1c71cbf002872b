// Keyset pages of a list route that answers {items, next} (next: the `after` of the following
// page, null on the last): the rows shown, the page number and the cursors of the pages seen,
// so Previous goes back without the server counting anything. Used by every keyset list page
// (customers, work orders, applications, satisfaction).
import { ref } from 'vue'

/** fetchPage(after) -> Promise<{items, next}>; onError(e) is told of a failed load. */
export function useKeyset(fetchPage, onError) {
  const rows = ref([])
  const page = ref(0)
  const next = ref(null)
  const loading = ref(false)
  let cursors = [null] // cursors[i]: the `after` of page i + 1

  async function load(i) {
    loading.value = true
    try {
      const data = await fetchPage(cursors[i])
      rows.value = data.items
      next.value = data.next
      page.value = i
      if (data.next !== null && data.next !== undefined) cursors[i + 1] = data.next
    } catch (e) {
      onError?.(e)
    } finally {
      loading.value = false
    }
  }
  /** Start again from the first page (new filters). */
  function restart() {
    cursors = [null]
    return load(0)
  }
  return { rows, page, next, loading, load, restart, reload: () => load(page.value) }
}
