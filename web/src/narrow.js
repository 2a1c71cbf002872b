// Whether the screen is phone-narrow (≤ 640 px, as the CSS breakpoints), kept up to date:
// description lists use one column there instead of two or three.
import { onBeforeUnmount, ref } from 'vue'

export function useNarrow(query = '(max-width: 640px)') {
  const mq = globalThis.matchMedia?.(query)
  const narrow = ref(Boolean(mq?.matches))
  const update = (e) => (narrow.value = e.matches)
  mq?.addEventListener('change', update)
  onBeforeUnmount(() => mq?.removeEventListener('change', update))
  return narrow
}
