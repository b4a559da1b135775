/**
 * `__S__.expire_users(now, last_seen_ms, feed)`: close the grace windows that ended by `now` (receiver clock,
 * ms) and forget offline users seen before `now - last_seen_ms`. Rows another caller (or an apply) holds are
 * skipped (`SKIP LOCKED`): each window is closed by exactly one caller, and this never waits, so it cannot
 * deadlock with apply. Answers rows shaped like apply's.
 */
export const EXPIRE_FUNCTION = `
create or replace function __S__.expire_users(p_now double precision, p_last_seen_ms double precision, p_feed boolean)
returns table (seq integer, kind text, ord integer, previous bytea, cur text, user_id text, channel text,
               provider text, at double precision, last_seen double precision)
language plpgsql as $fn$
#variable_conflict use_column
declare
  lvl record;
  usr record;
  out_seq integer := 0;
begin
  -- channel levels first (user.leave), each with its user's row (user.offline when nothing is left)
  for lvl in select t.user_id, t.channel, t.provider, t.last_seen from __S__.user_channels t
      where t.pending_until <= p_now and t.members = 0 order by t.pending_until, t.user_id, t.channel
      limit 1000 for update skip locked loop
    select u.user_id, u.members, u.pending_until, u.last_seen into usr from __S__.users u where u.user_id = lvl.user_id for update skip locked;
    if not found then continue; end if;
    delete from __S__.user_channels t where t.user_id = lvl.user_id and t.channel = lvl.channel;
    out_seq := out_seq + 1;
    return query select out_seq, 'user.leave'::text, null::integer, null::bytea,
      __S__.append_change(p_feed, 'user.leave', lvl.provider, lvl.channel, lvl.user_id, lvl.last_seen, lvl.last_seen),
      lvl.user_id, lvl.channel, lvl.provider, lvl.last_seen, lvl.last_seen;
  end loop;
  -- app levels whose window ended and who have no channel left (present or pending)
  for usr in select u.user_id, u.last_seen from __S__.users u
      where u.pending_until <= p_now and u.members = 0
        and not exists (select 1 from __S__.user_channels t where t.user_id = u.user_id and (t.members > 0 or t.pending_until is not null))
      order by u.pending_until, u.user_id limit 1000 for update skip locked loop
    update __S__.users u set pending_until = null, offline_at = p_now where u.user_id = usr.user_id;
    out_seq := out_seq + 1;
    return query select out_seq, 'user.offline'::text, null::integer, null::bytea,
      __S__.append_change(p_feed, 'user.offline', null, null, usr.user_id, usr.last_seen, usr.last_seen),
      usr.user_id, null::text, null::text, usr.last_seen, usr.last_seen;
  end loop;
  -- forget offline users seen long ago (and rows made for locking only)
  delete from __S__.users u where u.user_id in (
    select u2.user_id from __S__.users u2 where u2.members = 0 and u2.pending_until is null
      and (u2.offline_at < p_now - p_last_seen_ms or (u2.offline_at is null and u2.since is null and u2.last_seen is null))
      limit 1000 for update skip locked)
    and u.members = 0 and u.pending_until is null;
  return;
end
$fn$;
`;
