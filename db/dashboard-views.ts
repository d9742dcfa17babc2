// Saved views of the dashboard and the incident list (migration 0014): a user's own views, the ones shared with the
// account, and each user's default per page. Tenant rows: every function takes a tenant transaction.
import type { TransactionSql } from './sql.ts';

export type ViewPage = 'dashboard' | 'incidents';

export interface ViewRow {
  id: string;
  accountId: string;
  name: string;
  page: ViewPage;
  filters: Record<string, string | string[]>;
  layout: unknown[] | null;
  shared: boolean;
  createdBy: string;
  /** Null once the creator is no longer a member of the account (their row is not visible to it any more). */
  createdByEmail: string | null;
  /** Whether the reading user chose this view as their default for its page. */
  isDefault: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export class ViewNameTakenError extends Error {
  override name = 'ViewNameTakenError';
}

/** Columns of `dashboard_views v`, read on behalf of `userId` (their default). */
const columns = (tx: TransactionSql, userId: string) => tx`
  v.id, v.account_id as "accountId", v.name, v.page, v.filters, v.layout, v.shared, v.created_by as "createdBy",
  u.email as "createdByEmail", v.created_at as "createdAt", v.updated_at as "updatedAt",
  exists (select 1 from dashboard_view_defaults d
          where d.account_id = v.account_id and d.user_id = ${userId} and d.page = v.page and d.view_id = v.id) as "isDefault"`;

/** The views `userId` may see: their own and the shared ones, by name. */
export async function listVisibleViews(tx: TransactionSql, accountId: string, userId: string, page?: ViewPage): Promise<ViewRow[]> {
  return tx<ViewRow[]>`
    select ${columns(tx, userId)} from dashboard_views v left join users u on u.id = v.created_by
    where v.account_id = ${accountId} and (v.created_by = ${userId} or v.shared)
      ${page ? tx`and v.page = ${page}` : tx``}
    order by lower(v.name), v.created_at, v.id`;
}

/** A view `userId` may see; another member's unshared view is as absent as one of another account. */
export async function getVisibleView(tx: TransactionSql, accountId: string, userId: string, id: string, options: { lock?: boolean } = {}): Promise<ViewRow | undefined> {
  const [row] = await tx<[ViewRow?]>`
    select ${columns(tx, userId)} from dashboard_views v left join users u on u.id = v.created_by
    where v.account_id = ${accountId} and v.id = ${id} and (v.created_by = ${userId} or v.shared)
    ${options.lock ? tx`for update of v` : tx``}`;
  return row;
}

/** A view read on behalf of `readerId` whatever its visibility: after a change the caller was allowed to make. */
export async function getView(tx: TransactionSql, accountId: string, readerId: string, id: string): Promise<ViewRow | undefined> {
  const [row] = await tx<[ViewRow?]>`
    select ${columns(tx, readerId)} from dashboard_views v left join users u on u.id = v.created_by
    where v.account_id = ${accountId} and v.id = ${id}`;
  return row;
}

export interface NewView {
  id: string;
  accountId: string;
  createdBy: string;
  name: string;
  page: ViewPage;
  filters: Record<string, string | string[]>;
  layout: unknown[] | null;
  shared: boolean;
}

const nameTaken = (err: unknown, name: string) => ((err as { code?: string }).code === '23505' ? new ViewNameTakenError(name) : err);

export async function insertView(tx: TransactionSql, view: NewView): Promise<void> {
  try {
    // A savepoint: the caller's transaction stays usable after the unique violation.
    await tx.savepoint((sp) => sp`
      insert into dashboard_views (id, account_id, created_by, name, page, filters, layout, shared)
      values (${view.id}, ${view.accountId}, ${view.createdBy}, ${view.name}, ${view.page}, ${sp.json(view.filters)},
              ${view.layout === null ? null : sp.json(view.layout as never)}, ${view.shared})`);
  } catch (err) {
    throw nameTaken(err, view.name);
  }
}

export interface ViewPatch {
  name?: string;
  filters?: Record<string, string | string[]>;
  /** null clears the layout (the page's own one again). */
  layout?: unknown[] | null;
  shared?: boolean;
}

export async function updateView(tx: TransactionSql, accountId: string, id: string, patch: ViewPatch): Promise<void> {
  try {
    await tx.savepoint((sp) => sp`
      update dashboard_views set
        name = coalesce(${patch.name ?? null}, name),
        filters = coalesce(${patch.filters ? sp.json(patch.filters) : null}::jsonb, filters),
        layout = case when ${patch.layout !== undefined} then ${patch.layout ? sp.json(patch.layout as never) : null}::jsonb else layout end,
        shared = coalesce(${patch.shared ?? null}::boolean, shared),
        updated_at = now()
      where account_id = ${accountId} and id = ${id}`);
  } catch (err) {
    throw nameTaken(err, patch.name ?? '');
  }
  if (patch.shared === false) {
    // Nobody else can see it any more: their defaults pointing at it would name a view they cannot open.
    await tx`
      delete from dashboard_view_defaults d using dashboard_views v
      where d.account_id = ${accountId} and d.view_id = ${id} and v.account_id = d.account_id and v.id = d.view_id and d.user_id <> v.created_by`;
  }
}

/** Deletes the view; the defaults naming it go with it (foreign key cascade). */
export async function deleteView(tx: TransactionSql, accountId: string, id: string): Promise<boolean> {
  const rows = await tx`delete from dashboard_views where account_id = ${accountId} and id = ${id}`;
  return rows.count === 1;
}

/** Sets (or with `viewId` null clears) the user's default view of a page; the caller checked the view is visible. */
export async function setDefaultView(tx: TransactionSql, accountId: string, userId: string, page: ViewPage, viewId: string | null): Promise<void> {
  if (viewId === null) {
    await tx`delete from dashboard_view_defaults where account_id = ${accountId} and user_id = ${userId} and page = ${page}`;
    return;
  }
  await tx`
    insert into dashboard_view_defaults (account_id, user_id, page, view_id) values (${accountId}, ${userId}, ${page}, ${viewId})
    on conflict (account_id, user_id, page) do update set view_id = excluded.view_id`;
}
