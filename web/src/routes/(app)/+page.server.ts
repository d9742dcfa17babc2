// The dashboard: the chosen saved view (?view=<id>), else the caller's default view, else the built-in layout; the
// filter from the URL; each widget's data streamed on its own, so a slow or failing aggregate neither holds up nor
// blanks the others. Actions save, share, make default and delete views through the views API.
import { fail, redirect } from '@sveltejs/kit';
import { api, ApiError, asQuery, type ApiEvent } from '#lib/server/api.ts';
import { presetRange } from '#lib/incidents/filter.ts';
import { appendFilter, dashboardRange, readFilter, widgetRange, type Filter } from '#lib/dashboard/filters.ts';
import { BUILTIN_VIEW, viewParams } from '#lib/dashboard/views.ts';
import { decodeLayout, DEFAULT_LAYOUT, encodeLayout, normalizeLayout, WIDGETS } from '#lib/dashboard/widgets.ts';
import type { Range, View, Widget, WidgetPath, WidgetResult } from '#lib/dashboard/types.ts';
import type { Actions, PageServerLoad } from './$types';

const message = (err: unknown) => (err instanceof ApiError ? err.body.message : err instanceof Error ? err.message : String(err));

export const load: PageServerLoad = async (event) => {
  const params = event.url.searchParams;
  const views = await api(event, (c) => c.GET('/api/views', { params: { query: { page: 'dashboard' } } })).then(
    (r) => ({ list: r.views, error: null }),
    (err: unknown) => ({ list: [] as View[], error: message(err) }),
  );

  // Without a view in the URL the caller's default view opens (its filter unless the URL brings one); without a range
  // the dashboard shows the last 30 days as explicit instants, so the filter bar names it and a reload keeps it.
  const viewParam = params.get('view');
  const fallback = viewParam ? null : (views.list.find((v) => v.isDefault) ?? null);
  const hasRange = params.has('from') || params.has('to');
  if (fallback || !hasRange) {
    const next = new URLSearchParams(params);
    const onlyPageState = [...next.keys()].every((k) => k === 'view' || k === 'layout');
    if (fallback) {
      next.set('view', fallback.id);
      if (onlyPageState) for (const [k, v] of viewParams(fallback.filters)) next.append(k, v);
    }
    if (!next.has('from') && !next.has('to')) {
      const r = presetRange('30d');
      next.set('from', r.from);
      next.set('to', r.to);
    }
    redirect(303, `/?${next}`);
  }

  const view = viewParam && viewParam !== BUILTIN_VIEW ? (views.list.find((v) => v.id === viewParam) ?? null) : null;
  const savedLayout = view?.layout ? normalizeLayout(view.layout) : [...DEFAULT_LAYOUT];
  const draft = params.get('layout');
  const layout = draft !== null ? decodeLayout(draft) : savedLayout;

  const filter = readFilter(params);
  const now = new Date();
  const range = dashboardRange(filter, now);
  // Two widgets asking the same question share one answer.
  const asked = new Map<string, Promise<WidgetResult>>();
  const widgets: Record<string, Promise<WidgetResult>> = {};
  const keys: Record<string, string> = {};
  for (const widget of layout) {
    const request = widgetRequest(widget, filter, range, now);
    keys[widget.id] = request.key;
    if (!asked.has(request.url)) asked.set(request.url, fetchWidget(event, request.path, request.params, request.range));
    widgets[widget.id] = asked.get(request.url)!;
  }
  // Whether the account has any incident at all: none yet means "connect a tool", not "nothing in this range".
  const anyIncident = api(event, (c) => c.GET('/api/incidents', { params: { query: { limit: 1 } } })).then(
    (r) => r.incidents.length > 0,
    () => true,
  );
  const facets = api(event, (c) => c.GET('/api/incidents/facets', { params: { query: { from: range.from, to: range.to } } }));
  facets.catch(() => undefined); // the filter bar says when they failed

  return {
    views: views.list,
    viewsError: views.error,
    view,
    viewMissing: !!viewParam && viewParam !== BUILTIN_VIEW && !view && !views.error,
    layout,
    savedLayout,
    draft: draft !== null && encodeLayout(layout) !== encodeLayout(savedLayout),
    filter,
    range,
    widgets,
    keys,
    facets,
    hasIncidents: await anyIncident,
  };
};

function widgetRequest(widget: Widget, filter: Filter, dashboard: Range, now: Date) {
  const range = widgetRange(widget.options.range, dashboard, now);
  const { path, query } = WIDGETS[widget.type].endpoint(widget.options);
  const params = appendFilter(new URLSearchParams(query), filter, ['from', 'to']);
  params.set('from', range.from);
  params.set('to', range.to);
  // The client keeps answers by this key while a layout is edited; a widget with its own range is keyed by that
  // range's name, not its instants, so moving or resizing it does not count as a new question.
  const relative = widget.options.range && widget.options.range !== 'inherit' ? `range=${widget.options.range}` : `from=${range.from}&to=${range.to}`;
  const keyParams = appendFilter(new URLSearchParams(query), filter, ['from', 'to']);
  return { path, params, url: `${path}?${params}`, range, key: `${path}?${keyParams}&${relative}` };
}

async function fetchWidget(event: ApiEvent, path: WidgetPath, params: URLSearchParams, range: Range): Promise<WidgetResult> {
  try {
    return { ok: true, data: await api(event, (c) => c.GET(path, asQuery(params))), range };
  } catch (err) {
    return { ok: false, error: message(err), status: err instanceof ApiError ? err.status : 500 };
  }
}

/** A form's field, or '' */
const field = (form: FormData, name: string) => String(form.get(name) ?? '').trim();

function parseFilters(text: string): Record<string, string | string[]> {
  try {
    const value: unknown = JSON.parse(text || '{}');
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, string | string[]>;
  } catch {
    // fall through: an unreadable filter saves as none
  }
  return {};
}

function failure(err: unknown, values: Record<string, unknown> = {}) {
  if (err instanceof ApiError && err.status < 500) {
    const fields: Record<string, string> = {};
    for (const d of err.body.details) if (d.field) fields[d.field] = d.message;
    return fail(err.status, { ...values, error: err.body.message, fields });
  }
  return fail(503, { ...values, error: message(err), fields: {} as Record<string, string> });
}

export const actions: Actions = {
  /** A new view from the current filter and layout; optionally shared and made the caller's default. */
  create: async (event) => {
    const form = await event.request.formData();
    const name = field(form, 'name');
    const filters = parseFilters(field(form, 'filters'));
    const layout = decodeLayout(field(form, 'layout'));
    const shared = form.get('shared') === 'on';
    const makeDefault = form.get('default') === 'on';
    let created: View;
    try {
      created = await api(event, (c) => c.POST('/api/views', { body: { name, page: 'dashboard', filters, layout: layout.length ? layout : null, shared } }));
      const viewId = created.id;
      if (makeDefault) await api(event, (c) => c.PUT('/api/views/default', { body: { page: 'dashboard', viewId } }));
    } catch (err) {
      return failure(err, { action: 'create', name });
    }
    const next = new URLSearchParams(field(form, 'search'));
    next.delete('layout');
    next.set('view', created.id);
    redirect(303, `/?${next}`);
  },

  /** Saves the current layout (and filter) into the open view. */
  update: async (event) => {
    const form = await event.request.formData();
    const id = field(form, 'id');
    const layout = decodeLayout(field(form, 'layout'));
    try {
      await api(event, (c) => c.PATCH('/api/views/{id}', { params: { path: { id } }, body: { layout: layout.length ? layout : null, filters: parseFilters(field(form, 'filters')) } }));
    } catch (err) {
      return failure(err, { action: 'update' });
    }
    const next = new URLSearchParams(field(form, 'search'));
    next.delete('layout');
    redirect(303, `/?${next}`);
  },

  share: async (event) => {
    const form = await event.request.formData();
    try {
      await api(event, (c) => c.PATCH('/api/views/{id}', { params: { path: { id: field(form, 'id') } }, body: { shared: form.get('shared') === 'true' } }));
    } catch (err) {
      return failure(err, { action: 'share' });
    }
    return { action: 'share', done: true };
  },

  /** Makes a view the caller's default, or (no id) goes back to the built-in dashboard. */
  setDefault: async (event) => {
    const form = await event.request.formData();
    const id = field(form, 'id');
    try {
      await api(event, (c) => c.PUT('/api/views/default', { body: { page: 'dashboard', viewId: id || null } }));
    } catch (err) {
      return failure(err, { action: 'setDefault' });
    }
    return { action: 'setDefault', done: true };
  },

  delete: async (event) => {
    const form = await event.request.formData();
    try {
      await api(event, (c) => c.DELETE('/api/views/{id}', { params: { path: { id: field(form, 'id') } } }));
    } catch (err) {
      return failure(err, { action: 'delete' });
    }
    redirect(303, `/?view=${BUILTIN_VIEW}`);
  },
};
