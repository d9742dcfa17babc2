// What a page hands Chart.svelte: one series per dataset, coloured by a theme key (see theme.ts).

export interface ChartSeries {
  label: string;
  data: (number | null)[];
  /** A theme colour key: `series-0` … `series-7`, `sev-P1`, `status-resolved`, `accent`. */
  color: string;
  dashed?: boolean;
}
