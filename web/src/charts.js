// ECharts with on-demand imports (echarts/core): only the bar and line charts, the grid,
// tooltip, legend and aria components and the SVG renderer go into the dashboard's chunk, never
// into the login page's.
import { use, init } from 'echarts/core'
import { BarChart, LineChart } from 'echarts/charts'
import { GridComponent, TooltipComponent, LegendComponent, AriaComponent } from 'echarts/components'
import { SVGRenderer } from 'echarts/renderers'

use([BarChart, LineChart, GridComponent, TooltipComponent, LegendComponent, AriaComponent, SVGRenderer])

export { init }
