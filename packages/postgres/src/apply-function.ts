/**
 * `__S__.apply(...)`: the whole merge of one batch in one statement (one transaction). It takes an
 * advisory transaction lock per channel of the batch, in lock-key order (so two batches sharing
 * channels never deadlock), then the rows of the users the batch touches, in user order; merges
 * each event with the rules of core's compareOrder / effectiveChange (serial+index when both carry
 * one, else ts; then rank; then the id, compared as UTF-16BE bytes = JavaScript string order);
 * opens and closes `sessions`; derives the user levels; appends every change to the feed; and
 * answers the changes in input order. (No NOTIFY here: a commit that notifies takes a cluster-wide
 * lock, which would serialise every apply; the store notifies after the commit, coalesced: see feed.ts.) Last, it collects a bounded amount of expired state (tombstones,
 * dead channels, old sessions and feed rows), so nobody has to run a scheduler.
 *
 * Answer rows: seq (output order), kind, ord (1-based input index of a member change), previous
 * (MessagePack member), cur (feed cursor), and the user / notice fields.
 */
/**
 * The batch's channel notices into the feed and the answer: `opening` 'true' for those announcing a channel
 * (before the batch's changes), 'false' for those closing one (after them).
 */
function noticesInto(opening: 'true' | 'false'): string {
  return `  if p_feed then
    return query select out_seq + (row_number() over (order by x.n))::integer, x.kind, null::integer, null::bytea,
        __S__.append_change(true, x.kind, x.provider, x.channel, null, x.at, null), null::text, x.channel, x.provider, x.at, null::double precision
      from unnest(p_notice_kind, p_notice_provider, p_notice_channel, p_notice_at) with ordinality as x(kind, provider, channel, at, n)
      where (x.kind = 'channel.active') = ${opening} order by x.n;
    get diagnostics k = row_count;
    out_seq := out_seq + k::integer;
  end if;`;
}

export const APPLY_FUNCTION = `
create or replace function __S__.append_change(p_feed boolean, p_kind text, p_provider text, p_channel text, p_user_id text,
  p_at double precision, p_last_seen double precision) returns text
language plpgsql as $fn$
declare
  k bigint;
begin
  -- a user or notice change into the feed (when the store has one): its cursor, or null
  if not p_feed then return null; end if;
  insert into __S__.feed (kind, provider, channel, user_id, at, last_seen) values (p_kind, p_provider, p_channel, p_user_id, p_at, p_last_seen)
    returning feed.cursor into k;
  return pg_current_xact_id()::text || '.' || k;
end
$fn$;
create or replace function __S__.apply(
  p_channel text[], p_provider text[], p_member_key text[], p_present boolean[], p_reason text[],
  p_ts double precision[], p_serial double precision[], p_idx double precision[], p_rank smallint[], p_id bytea[],
  p_member bytea[], p_client_id text[], p_timestamp double precision[], p_user_id text[],
  p_reported_occupancy integer[], p_reported_at double precision[],
  p_wm_channel text[], p_wm_time double precision[], p_stale_before double precision,
  p_users boolean, p_grace_ms double precision, p_now double precision,
  p_notice_kind text[], p_notice_provider text[], p_notice_channel text[], p_notice_at double precision[],
  p_horizon_ms double precision, p_feed boolean, p_feed_retain_ms double precision, p_sessions_retain_ms double precision,
  p_sweep integer
) returns table (seq integer, kind text, ord integer, previous bytea, cur text, user_id text, channel text,
                 provider text, at double precision, last_seen double precision)
language plpgsql as $fn$
#variable_conflict use_column
declare
  n integer := coalesce(array_length(p_channel, 1), 0);
  i integer;
  k bigint;
  ch text;
  cur_ch text;
  wm double precision;
  bound double precision;
  setting double precision;
  held_wm double precision;
  m record;
  held boolean;
  c double precision;
  was_present boolean;
  change text;
  uid text;
  lvl record;
  usr record;
  out_seq integer := 0;
  cutoff timestamptz := now() - make_interval(secs => p_horizon_ms / 1000.0);
  budget integer := p_sweep;
begin
  -- 1. the channels, locked in key order
  if n = 1 and coalesce(array_length(p_wm_channel, 1), 0) = 0 then
    perform pg_advisory_xact_lock(hashtextextended('__S__' || chr(31) || p_channel[1], 0));
  else
    for k in
      select distinct hashtextextended('__S__' || chr(31) || u, 0) as lk from unnest(p_channel || p_wm_channel) as u order by lk
    loop
      perform pg_advisory_xact_lock(k);
    end loop;
  end if;
  -- (a hash collision locks two channels with one key: harmless)

  -- 2. the users the batch can touch (their events' ids and the ids stored with their members), in user order
  if p_users then
    -- one statement: a missing row is created, an existing one locked (a no-op update), in user order
    insert into __S__.users as u (user_id)
      select distinct x from (
        select unnest(p_user_id) as x
        union
        select mm.user_id from __S__.members mm
          join unnest(p_channel, p_member_key) as b(c, mk) on mm.channel = b.c and mm.member_key = b.mk
      ) y where x is not null order by 1
      on conflict (user_id) do update set user_id = excluded.user_id;
  end if;

  -- 3. notices announcing a channel: before the batch's changes
${noticesInto('true')}

  -- 4. the merge
  for i in 1 .. n loop
    ch := p_channel[i];
    if cur_ch is distinct from ch then
      cur_ch := ch;
      select t.watermark into held_wm from __S__.channels t where t.channel = ch;
      if not found then
        insert into __S__.channels as t (channel) values (ch) on conflict (channel) do nothing;
      end if;
      setting := null;
      if coalesce(array_length(p_wm_channel, 1), 0) > 0 then
        select max(w.t) into setting from unnest(p_wm_channel, p_wm_time) as w(c, t) where w.c = ch;
      end if;
      wm := case when setting is not null and (held_wm is null or setting >= held_wm) then null else held_wm end;
      bound := greatest(wm, p_stale_before);
    end if;
    if p_reported_at[i] is not null then
      update __S__.channels t set reported_occupancy = p_reported_occupancy[i], reported_at = p_reported_at[i]
        where t.channel = ch and (t.reported_at is null or p_reported_at[i] >= t.reported_at);
    end if;

    select mm.present, mm.ts, mm.serial, mm.idx, mm.rank, mm.id, mm.member, mm.user_id, mm.changed_at into m
      from __S__.members mm where mm.channel = ch and mm.member_key = p_member_key[i];
    held := found and (m.present or m.changed_at >= cutoff);
    if held then
      if p_serial[i] >= 0 and m.serial >= 0 then
        c := p_serial[i] - m.serial;
        if c = 0 then c := p_idx[i] - m.idx; end if;
      else
        c := p_ts[i] - m.ts;
      end if;
      if c = 0 then c := p_rank[i] - m.rank; end if;
      if c = 0 then c := case when p_id[i] > m.id then 1 when p_id[i] < m.id then -1 else 0 end; end if;
      if c <= 0 then continue; end if;
    elsif bound is not null and p_ts[i] < bound then
      continue;
    end if;

    was_present := held and m.present;
    uid := case when was_present then m.user_id when p_present[i] then p_user_id[i] else null end;
    insert into __S__.members as t (channel, member_key, present, ts, serial, idx, rank, id, member, client_id, user_id, changed_at)
      values (ch, p_member_key[i], p_present[i], p_ts[i], p_serial[i], p_idx[i], p_rank[i], p_id[i], p_member[i], p_client_id[i], uid, now())
      on conflict on constraint members_pkey do update set present = excluded.present, ts = excluded.ts, serial = excluded.serial,
        idx = excluded.idx, rank = excluded.rank, id = excluded.id, member = excluded.member, client_id = excluded.client_id,
        user_id = excluded.user_id, changed_at = excluded.changed_at;
    if p_present[i] <> was_present then
      update __S__.channels t set present = t.present + (case when p_present[i] then 1 else -1 end), touched_at = now() where t.channel = ch;
    elsif not p_present[i] then
      update __S__.channels t set touched_at = now() where t.channel = ch;
    end if;

    change := case when p_present[i] and was_present then 'update' when p_present[i] then 'join' when was_present then 'leave' else null end;
    if change is null then
      -- a leave ahead of its join (or of an absent member): it ends no presence, but lastSeen is the latest of all
      -- the user's leaves, whatever order they arrive in
      if p_users and not p_present[i] and p_user_id[i] is not null then
        update __S__.users t set last_seen = greatest(t.last_seen, p_ts[i]),
            offline_at = case when t.members = 0 and t.pending_until is null then coalesce(t.offline_at, p_now) else t.offline_at end
          where t.user_id = p_user_id[i];
      end if;
      continue;
    end if;

    if change = 'join' then
      insert into __S__.sessions (provider, channel, member_key, user_id, joined_at)
        values (p_provider[i], ch, p_member_key[i], uid, to_timestamp(p_timestamp[i] / 1000.0))
        on conflict (channel, member_key) where left_at is null do nothing;
    elsif change = 'leave' then
      update __S__.sessions s set left_at = greatest(s.joined_at, to_timestamp(p_timestamp[i] / 1000.0)), leave_reason = coalesce(p_reason[i], 'leave')
        where s.channel = ch and s.member_key = p_member_key[i] and s.left_at is null;
    end if;

    k := null;
    if p_feed then
      insert into __S__.feed (kind, provider, channel, member, previous, reason)
        values (change, p_provider[i], ch, p_member[i], case when change = 'update' then m.member end,
                case when change = 'leave' then coalesce(p_reason[i], 'leave') end)
        returning feed.cursor into k;
     
    end if;
    out_seq := out_seq + 1;
    return query select out_seq, change, i, case when change = 'update' then m.member end, pg_current_xact_id()::text || '.' || k, null::text, null::text, null::text,
      null::double precision, null::double precision;

    -- 5. user levels (one statement per level and change; "fresh": the level comes up, not back within its window)
    if p_users and uid is not null and change <> 'update' then
      if change = 'join' then
        -- a fresh channel level has no last_seen (a pending one has: the leave that started its window)
        insert into __S__.user_channels as t (user_id, channel, provider, members) values (uid, ch, p_provider[i], 1)
          on conflict (user_id, channel) do update set members = t.members + 1, pending_until = null,
            last_seen = case when t.members = 0 and t.pending_until is null then null else t.last_seen end,
            provider = case when t.members = 0 and t.pending_until is null then excluded.provider else t.provider end
          returning t.members, t.last_seen into lvl;
        if lvl.members = 1 and lvl.last_seen is null then
          out_seq := out_seq + 1;
          return query select out_seq, 'user.join'::text, null::integer, null::bytea,
            __S__.append_change(p_feed, 'user.join', p_provider[i], ch, uid, p_ts[i], null), uid, ch, p_provider[i], p_ts[i], null::double precision;
        end if;
        -- the app level; o: the row before this update. Online already (or back within the window): an earlier
        -- join arriving late moves since back.
        update __S__.users t set members = t.members + 1, pending_until = null,
            since = case when o.members = 0 and o.pending_until is null then p_ts[i] else least(t.since, p_ts[i]) end,
            offline_at = case when o.members = 0 and o.pending_until is null then null else t.offline_at end
          from (select u.members, u.pending_until from __S__.users u where u.user_id = uid) o
          where t.user_id = uid returning o.members, o.pending_until into usr;
        if usr.members = 0 and usr.pending_until is null then
          out_seq := out_seq + 1;
          return query select out_seq, 'user.online'::text, null::integer, null::bytea,
            __S__.append_change(p_feed, 'user.online', p_provider[i], ch, uid, p_ts[i], null), uid, ch, p_provider[i], p_ts[i], null::double precision;
        end if;
      else
        update __S__.user_channels t set members = t.members - 1, last_seen = greatest(t.last_seen, p_ts[i]),
            pending_until = case when t.members = 1 and p_grace_ms > 0 then p_now + p_grace_ms else t.pending_until end
          where t.user_id = uid and t.channel = ch returning t.members, t.last_seen, t.provider into lvl;
        if found and lvl.members = 0 and p_grace_ms <= 0 then
          delete from __S__.user_channels t where t.user_id = uid and t.channel = ch;
          out_seq := out_seq + 1;
          return query select out_seq, 'user.leave'::text, null::integer, null::bytea,
            __S__.append_change(p_feed, 'user.leave', lvl.provider, ch, uid, lvl.last_seen, lvl.last_seen), uid, ch, lvl.provider, lvl.last_seen, lvl.last_seen;
        end if;
        update __S__.users t set members = t.members - 1, last_seen = greatest(t.last_seen, p_ts[i]),
            pending_until = case when t.members = 1 and p_grace_ms > 0 then p_now + p_grace_ms else t.pending_until end,
            offline_at = case when t.members = 1 and p_grace_ms <= 0 then p_now else t.offline_at end
          where t.user_id = uid returning t.members, t.last_seen into usr;
        if found and usr.members = 0 and p_grace_ms <= 0 then
          out_seq := out_seq + 1;
          return query select out_seq, 'user.offline'::text, null::integer, null::bytea,
            __S__.append_change(p_feed, 'user.offline', null, null, uid, usr.last_seen, usr.last_seen), uid, null::text, null::text, usr.last_seen, usr.last_seen;
        end if;
      end if;
    end if;
  end loop;

  -- 6. watermarks, after the merge
  for ch, setting in select w.c, max(w.t) from unnest(p_wm_channel, p_wm_time) as w(c, t) group by w.c loop
    insert into __S__.channels as t (channel, watermark) values (ch, setting)
      on conflict (channel) do update set watermark = greatest(t.watermark, excluded.watermark), touched_at = now();
  end loop;

  -- 7. notices closing a channel: after the batch's changes
${noticesInto('false')}

  -- 8. amortised expiry: p_sweep rows at most (0: not this call), rows nobody else is writing (SKIP LOCKED / try-lock)
  if budget <= 0 then return; end if;
  delete from __S__.members t where (t.channel, t.member_key) in (
      select mm.channel, mm.member_key from __S__.members mm where not mm.present and mm.changed_at < cutoff
      limit budget for update skip locked)
    and not t.present and t.changed_at < cutoff;
  for ch in select t.channel from __S__.channels t where t.present = 0 and t.touched_at < cutoff limit budget for update skip locked loop
    if pg_try_advisory_xact_lock(hashtextextended('__S__' || chr(31) || ch, 0))
       and not exists (select 1 from __S__.members mm where mm.channel = ch) then
      delete from __S__.channels t where t.channel = ch and t.present = 0;
    end if;
  end loop;
  if p_sessions_retain_ms >= 0 then
    delete from __S__.sessions s where s.id in (
      select s2.id from __S__.sessions s2 where s2.left_at < now() - make_interval(secs => p_sessions_retain_ms / 1000.0) limit budget);
  end if;
  with gone as (
    delete from __S__.feed f where f.cursor in (
      select f2.cursor from __S__.feed f2 where f2.committed_at < now() - make_interval(secs => p_feed_retain_ms / 1000.0)
      order by f2.committed_at limit budget)
    returning f.xid, f.cursor)
  update __S__.feed_trim t set xid = g.xid, cursor = g.cursor
    from (select gone.xid, gone.cursor from gone order by gone.xid desc, gone.cursor desc limit 1) g
    where (g.xid, g.cursor) > (t.xid, t.cursor);
  return;
end
$fn$;
`;
