// Saved views: a page's filters (its URL search params) and, for the dashboard, its widgets, per user or shared.
import { Type, type Static } from 'typebox';
import { DateTime, Uuid } from './common.ts';

export const MAX_WIDGETS = 24;

export const ViewPage = Type.Union([Type.Literal('dashboard'), Type.Literal('incidents')]);

const Param = Type.String({ maxLength: 1000 });
export const ViewFilters = Type.Record(Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_.-]{0,63}$' }), Type.Union([Param, Type.Array(Param, { maxItems: 100 })]), {
  maxProperties: 40,
  additionalProperties: false,
  description: 'The page’s URL search params: a repeated key as a list (`{ "severity": ["P1", "P2"], "from": "2024-05-01T00:00:00Z" }`)',
});

export const WidgetType = Type.Union([
  Type.Literal('headline'),
  Type.Literal('incidents-over-time'),
  Type.Literal('response-times'),
  Type.Literal('top-clusters'),
  Type.Literal('new-patterns'),
  Type.Literal('breakdown'),
  Type.Literal('heatmap'),
]);

export const Widget = Type.Object(
  {
    id: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$', description: 'Unique within the layout' }),
    type: WidgetType,
    size: Type.Union([Type.Literal('small'), Type.Literal('medium'), Type.Literal('large'), Type.Literal('full')]),
    options: Type.Object(
      {
        groupBy: Type.Optional(
          Type.Union([Type.Literal('severity'), Type.Literal('source'), Type.Literal('service'), Type.Literal('team'), Type.Literal('status'), Type.Literal('cluster')]),
        ),
        by: Type.Optional(Type.Union([Type.Literal('service'), Type.Literal('team')])),
        bucket: Type.Optional(Type.Union([Type.Literal('auto'), Type.Literal('hour'), Type.Literal('day'), Type.Literal('week')])),
        range: Type.Optional(Type.Union([Type.Literal('inherit'), Type.Literal('24h'), Type.Literal('7d'), Type.Literal('30d'), Type.Literal('90d')])),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type Widget = Static<typeof Widget>;

export const Layout = Type.Array(Widget, { maxItems: MAX_WIDGETS, description: `The dashboard’s widgets in display order (at most ${MAX_WIDGETS})` });

const Name = Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' });

export const CreateViewBody = Type.Object(
  {
    name: Name,
    page: ViewPage,
    filters: ViewFilters,
    layout: Type.Optional(Type.Union([Layout, Type.Null()])),
    shared: Type.Optional(Type.Boolean({ default: false, description: 'Visible to every member of the account (needs views:share)' })),
  },
  { additionalProperties: false },
);
export type CreateViewBody = Static<typeof CreateViewBody>;

export const UpdateViewBody = Type.Object(
  {
    name: Type.Optional(Name),
    filters: Type.Optional(ViewFilters),
    layout: Type.Optional(Type.Union([Layout, Type.Null()], { description: 'null: back to the page’s own layout' })),
    shared: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateViewBody = Static<typeof UpdateViewBody>;

export const DefaultViewBody = Type.Object(
  { page: ViewPage, viewId: Type.Union([Uuid, Type.Null()], { description: 'null: no default (the page’s own)' }) },
  { additionalProperties: false },
);

export const ViewParams = Type.Object({ id: Uuid }, { additionalProperties: false });
export const ViewQuery = Type.Object({ page: Type.Optional(ViewPage) }, { additionalProperties: false });

export const View = Type.Object({
  id: Uuid,
  name: Type.String(),
  page: ViewPage,
  filters: ViewFilters,
  layout: Type.Union([Layout, Type.Null()]),
  shared: Type.Boolean(),
  isDefault: Type.Boolean({ description: 'Your default view of its page' }),
  mine: Type.Boolean({ description: 'You created it' }),
  createdBy: Type.Object({ id: Uuid, email: Type.Union([Type.String(), Type.Null()], { description: 'null once they left the account' }) }),
  updatedAt: DateTime,
});

export const ViewList = Type.Object({ views: Type.Array(View) });
export const DefaultView = Type.Object({ page: ViewPage, viewId: Type.Union([Uuid, Type.Null()]) });
