/**
 * The inspector's state JSON: channels with the stored count next to the provider's reported count
 * (drift when they differ), the members of one selected channel, and the receiver's counters.
 * Bounded: at most `CHANNEL_LIMIT` channels and `MEMBER_LIMIT` members are read and sent.
 */
import type { Member, ProviderName } from '../events.js';
import type { ReceiverStats } from '../observe/stats.js';
import type { PresenceStore } from '../store.js';

export const CHANNEL_LIMIT = 500;
export const MEMBER_LIMIT = 500;

/** The newest figure a provider reported for a channel (occupancy events, drift checks). */
export interface ReportedFigure {
  provider: ProviderName;
  reported: number;
  timestamp: number;
}

export interface ChannelRow {
  channel: string;
  provider?: ProviderName;
  stored: number;
  reported?: number;
  drift: boolean;
}

export interface InspectorState {
  channels: ChannelRow[];
  /** True when more channels exist than were listed. */
  truncated: boolean;
  stats: ReceiverStats;
  actions: boolean;
  members?: { channel: string; members: Member[]; truncated: boolean };
}

export interface StateSources {
  store: PresenceStore;
  stats: ReceiverStats;
  /** Figures noted from occupancy and drift events, by channel. */
  noted: ReadonlyMap<string, ReportedFigure>;
  actions: boolean;
}

function newer(a: ReportedFigure | undefined, b: ReportedFigure | undefined): ReportedFigure | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return b.timestamp > a.timestamp ? b : a;
}

async function row(channel: string, sources: StateSources): Promise<ChannelRow> {
  const [stored, fromStore] = await Promise.all([sources.store.occupancy(channel), sources.store.reportedOccupancy(channel)]);
  const stamped =
    fromStore === undefined ? undefined : { provider: 'pubnub' as const, reported: fromStore.occupancy, timestamp: fromStore.timestamp };
  const figure = newer(stamped, sources.noted.get(channel));
  const out: ChannelRow = { channel, stored, drift: figure !== undefined && figure.reported !== stored };
  if (figure !== undefined) {
    out.provider = figure.provider;
    out.reported = figure.reported;
  }
  return out;
}

/** Build the state; `selected` adds that channel's members. */
export async function buildState(sources: StateSources, selected: string | undefined): Promise<InspectorState> {
  const names = [...new Set([...(await sources.store.channels()), ...sources.noted.keys()])].sort();
  const listed = names.slice(0, CHANNEL_LIMIT);
  const channels = await Promise.all(listed.map((channel) => row(channel, sources)));
  const state: InspectorState = { channels, truncated: names.length > listed.length, stats: sources.stats, actions: sources.actions };
  if (selected !== undefined) {
    const members = await sources.store.members(selected);
    state.members = { channel: selected, members: members.slice(0, MEMBER_LIMIT), truncated: members.length > MEMBER_LIMIT };
  }
  return state;
}
