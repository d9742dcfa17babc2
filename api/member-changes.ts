// Rules for changing who is in an account: the actor's role as of the change, rank, and the last owner. Changing or
// removing a member and leaving the account all go through them.
import { getMember, lockOwners, type MemberRow } from '../db/invitations.ts';
import type { TransactionSql } from '../db/sql.ts';
import type { MemberRole } from '../db/users.ts';
import { AppError } from './errors.ts';
import { mayGrant, ROLE_RANK } from './permissions.ts';
import type { Caller } from './plugins/authentication.ts';

/**
 * The actor's role as of this transaction (not as of the request's start): two managers demoting each other at
 * once cannot both act on rights one of them just lost. API tokens act with their own role.
 */
export async function actorRole(tx: TransactionSql, accountId: string, caller: Caller): Promise<MemberRole> {
  const member = await getMember(tx, accountId, caller.userId);
  if (!member) throw new AppError(403, 'forbidden', 'You are no longer a member of this account');
  const tokenRole = caller.account!.role;
  // A token never acts above its own role, whatever its creator holds.
  return caller.viaToken && ROLE_RANK[tokenRole] < ROLE_RANK[member.role] ? tokenRole : member.role;
}

/** Checks shared by changing a role, removing a member and leaving: rank, and the last owner. */
export async function guardChange(tx: TransactionSql, accountId: string, actorRole: MemberRole, target: MemberRow, newRole: MemberRole | null): Promise<void> {
  if (ROLE_RANK[target.role] > ROLE_RANK[actorRole]) {
    throw new AppError(403, 'cannot_manage', `Your role (${actorRole}) cannot change a member who is ${target.role}`);
  }
  if (newRole && !mayGrant(actorRole, newRole)) {
    throw new AppError(403, 'cannot_grant', `You cannot grant ${newRole}: it is above your own role (${actorRole})`, [{ field: 'role', in: 'body', message: 'body.role is above your own role' }]);
  }
  if (target.role === 'owner' && newRole !== 'owner') {
    const owners = await lockOwners(tx, accountId);
    if (owners.length <= 1) throw new AppError(409, 'last_owner', 'An account needs an owner: make someone else owner first');
  }
}
