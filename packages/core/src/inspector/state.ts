/**
 * The inspector's state JSON: one page of channels (filtered by a search) with the stored count next
 * to the provider's reported count (drift when they differ and nothing changed on the channel since
 * the figure), the members of one selected channel (filtered, one page), the receiver's counters and
 * the chart's series. Bounded: a page is `PAGE_SIZE` rows; only the listed channels' counts are read.
 */
import type { Member, ProviderName, UserPresence } from '../events.js';
import type { ReceiverStats } from '../observe/stats.js';
import type { PresenceStore } from '../store.js';
import type { TimelineSnapshot } from './timeline.js';

export const PAGE_SIZE = 50;
/** A search is at most this long (longer ones are cut). */
const QUERY_LIMIT = 200;

/** The newest figure a provider reported for a channel (occupancy events, drift checks). */
export interface ReportedFigure {
  provider: ProviderName;
  reported: number;
  /** The provider's time of the figure (ms). */
  timestamp: number;
  /** When this receiver noted it (ms, its own clock): set for figures from occupancy and drift events. */
  notedAt?: number;
}

/** What the inspector saw of a channel's presence changes. */
export interface ChannelActivity {
  provider: ProviderName;
  /** The provider's time of its last effective change (ms): comparable with a stored figure's. */
  changedAt: number;
  /** When this receiver emitted that change (ms, its own clock): comparable with a noted figure's `notedAt`. */
  seenAt: number;
}

export interface ChannelRow {
  channel: string;
  provider?: ProviderName;
  stored: number;
  reported?: number;
  /** The reported figure differs from the stored count and nothing changed on the channel since it. */
  drift: boolean;
}

/** Which page of a filtered list, and how many there are. */
export interface Paging {
  query: string;
  page: number;
  pages: number;
  total: number;
}

/** The members of a page that belong to one user (`rows`: their indexes in the page's `members`). */
export interface UserGroup {
  userId: string;
  rows: number[];
}

/** People (DESIGN "Round 3"): a user looked up by exact id, and the users of the selected channel. */
export interface UsersPart {
  /** The receiver tracks user levels (its store has them and `users` is not false). */
  on: boolean;
  /** The user asked for by exact id; `presence` undefined: the store holds nothing of them. */
  lookup?: { userId: string; presence?: UserPresence };
  /** The selected channel's users (store.users), one page. */
  channel?: { channel: string; users: string[]; paging: Paging };
}

export interface InspectorState {
  channels: ChannelRow[];
  channelPaging: Paging;
  stats: ReceiverStats;
  actions: boolean;
  /** `groups` (with user levels on): the page's members grouped by user id, sorted by user id. */
  members?: { channel: string; members: Member[]; paging: Paging; groups?: UserGroup[] };
  users: UsersPart;
  timeline: TimelineSnapshot;
}

/** What the page asks for: a search and a page for channels, and for the selected channel's members. */
export interface StateQuery {
  channel?: string;
  q?: string;
  page?: number;
  memberQ?: string;
  memberPage?: number;
  /** A user id to look up (exact). */
  user?: string;
  /** The page of the selected channel's users. */
  userPage?: number;
}

export interface StateSources {
  store: PresenceStore;
  stats: ReceiverStats;
  /** Figures noted from occupancy and drift events, by channel. */
  noted: ReadonlyMap<string, ReportedFigure>;
  /** Providers and last change times noted from join, update and leave events, by channel. */
  activity: ReadonlyMap<string, ChannelActivity>;
  actions: boolean;
  timeline: TimelineSnapshot;
  /**
   * The app's user id of a member of a channel (`users.id`, else the clientId), as the receiver gives it to
   * the store; undefined when the receiver tracks no user levels (no users view, members not grouped).
   */
  userOf?: (member: Member, provider: ProviderName | undefined) => string;
}

function newer(a: ReportedFigure | undefined, b: ReportedFigure | undefined): ReportedFigure | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return b.timestamp > a.timestamp ? b : a;
}

/** The provider of a channel: the one configured, else the one whose events or figures named it. */
function providerOf(channel: string, sources: StateSources, figure?: ReportedFigure): ProviderName | undefined {
  if (sources.stats.providers.length === 1) return sources.stats.providers[0];
  return sources.activity.get(channel)?.provider ?? figure?.provider ?? sources.noted.get(channel)?.provider;
}

async function row(channel: string, sources: StateSources): Promise<ChannelRow> {
  const [stored, fromStore] = await Promise.all([sources.store.occupancy(channel), sources.store.reportedOccupancy(channel)]);
  const stamped =
    fromStore === undefined ? undefined : { provider: 'pubnub' as const, reported: fromStore.occupancy, timestamp: fromStore.timestamp };
  const noted = sources.noted.get(channel);
  const figure = newer(stamped, noted);
  const activity = sources.activity.get(channel);
  // A change after the figure: the figure no longer describes the channel. A figure noted here is
  // compared on this receiver's clock (a drift check's time is not the provider's); one from the
  // store on the provider's (the same delivery carried the figure and its change).
  const changedSince =
    activity !== undefined &&
    figure !== undefined &&
    (figure === noted && noted.notedAt !== undefined ? activity.seenAt > noted.notedAt : activity.changedAt > figure.timestamp);
  const out: ChannelRow = { channel, stored, drift: figure !== undefined && figure.reported !== stored && !changedSince };
  const provider = providerOf(channel, sources, figure);
  if (provider !== undefined) out.provider = provider;
  if (figure !== undefined) out.reported = figure.reported;
  return out;
}

/** The search as given (trimmed, bounded), and a test of a text against it (case-insensitive, substring). */
function search(query: string | undefined): { query: string; test: (...texts: (string | undefined)[]) => boolean } {
  const trimmed = (query ?? '').trim().slice(0, QUERY_LIMIT);
  const needle = trimmed.toLowerCase();
  return { query: trimmed, test: (...texts) => needle === '' || texts.some((text) => text?.toLowerCase().includes(needle) === true) };
}

/** One page of `items` (the last one when `page` is past it). */
function pageOf<T>(items: readonly T[], page: number | undefined, query: string): { items: T[]; paging: Paging } {
  const pages = Math.max(1, Math.ceil(items.length / PAGE_SIZE));
  const at = Math.min(Math.max(0, Math.floor(page ?? 0)), pages - 1);
  return { items: items.slice(at * PAGE_SIZE, (at + 1) * PAGE_SIZE), paging: { query, page: at, pages, total: items.length } };
}

/**
 * Members with their user ids, in user id order (a user's members together, in their stored order), and the
 * groups of one page of them.
 */
export function byUser(members: readonly Member[], userOf: (member: Member) => string): { member: Member; userId: string }[] {
  const rows = members.map((member, at) => ({ member, userId: userOf(member), at }));
  rows.sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : a.at - b.at));
  return rows.map(({ member, userId }) => ({ member, userId }));
}

/** The groups of consecutive rows with the same user id. */
export function groupsOf(userIds: readonly string[]): UserGroup[] {
  const groups: UserGroup[] = [];
  userIds.forEach((userId, at) => {
    const last = groups[groups.length - 1];
    if (last !== undefined && last.userId === userId) last.rows.push(at);
    else groups.push({ userId, rows: [at] });
  });
  return groups;
}

/** The users part: an exact lookup, and the selected channel's users (with user levels on). */
async function usersPart(sources: StateSources, query: StateQuery): Promise<UsersPart> {
  const { store } = sources;
  const on = sources.userOf !== undefined && typeof store.user === 'function' && typeof store.users === 'function';
  const part: UsersPart = { on };
  if (!on) return part;
  const userId = (query.user ?? '').trim().slice(0, QUERY_LIMIT);
  if (userId !== '') {
    const presence = await (store.user as NonNullable<PresenceStore['user']>)(userId);
    part.lookup = presence === undefined ? { userId } : { userId, presence };
  }
  if (query.channel !== undefined) {
    const users = await (store.users as NonNullable<PresenceStore['users']>)(query.channel);
    const shown = pageOf(users, query.userPage, '');
    part.channel = { channel: query.channel, users: shown.items, paging: shown.paging };
  }
  return part;
}

/** Build the state; `query.channel` adds that channel's members (and users), `query.user` looks a user up. */
export async function buildState(sources: StateSources, query: StateQuery = {}): Promise<InspectorState> {
  const names = [...new Set([...(await sources.store.channels()), ...sources.noted.keys()])].sort();
  const channelSearch = search(query.q);
  const listed = pageOf(
    names.filter((name) => channelSearch.test(name)),
    query.page,
    channelSearch.query,
  );
  const channels = await Promise.all(listed.items.map((channel) => row(channel, sources)));
  const state: InspectorState = {
    channels,
    channelPaging: listed.paging,
    stats: sources.stats,
    actions: sources.actions,
    users: await usersPart(sources, query),
    timeline: sources.timeline,
  };
  if (query.channel !== undefined) {
    const memberSearch = search(query.memberQ);
    const all = await sources.store.members(query.channel);
    const { userOf } = sources;
    if (userOf === undefined || !state.users.on) {
      const shown = pageOf(
        all.filter((m) => memberSearch.test(m.clientId, m.connectionId)),
        query.memberPage,
        memberSearch.query,
      );
      state.members = { channel: query.channel, members: shown.items, paging: shown.paging };
    } else {
      // Grouped by user: a user's members side by side (across pages too); the search also matches the user id.
      const provider = providerOf(query.channel, sources);
      const rows = byUser(all, (member) => userOf(member, provider));
      const shown = pageOf(
        rows.filter((r) => memberSearch.test(r.member.clientId, r.member.connectionId, r.userId)),
        query.memberPage,
        memberSearch.query,
      );
      state.members = {
        channel: query.channel,
        members: shown.items.map((r) => r.member),
        paging: shown.paging,
        groups: groupsOf(shown.items.map((r) => r.userId)),
      };
    }
  }
  return state;
}
