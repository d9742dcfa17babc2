// chart.js with only the parts the dashboard draws registered (bars, lines, category and linear scales, tooltip,
// legend), so the bundle carries no controllers, scales or plugins it never uses.
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip } from 'chart.js';

Chart.register(BarController, BarElement, LineController, LineElement, PointElement, CategoryScale, LinearScale, Tooltip, Legend);

export { Chart };
