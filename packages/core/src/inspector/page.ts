/**
 * The inspector's page: one self-contained HTML document (inline CSS and JS, no CDN), allowed to run
 * only its own script and style by a nonce in a strict Content-Security-Policy. It holds no presence
 * data: after sign-in it reads `./state` and listens to `./events` (Server-Sent Events), and it
 * writes every value with `textContent` (never as HTML).
 */

/** The policy for the page: nothing but its own nonce'd script and style, same-origin fetches, no framing. */
export function pageSecurityPolicy(nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'nonce-${nonce}'`,
    "connect-src 'self'",
    "img-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

const STYLE = `
:root{color-scheme:light dark;--bad:#c62828;--ok:#2e7d32;--warn:#ef6c00;--line:#8884;font:14px/1.4 system-ui,sans-serif}
body{margin:0;padding:16px 24px}
h1{font-size:18px;margin:0 0 12px}h2{font-size:15px;margin:16px 0 8px}h3{font-size:13px;margin:0 0 4px}
[hidden]{display:none!important}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid var(--line);vertical-align:top}
tr.channel{cursor:pointer}tr.channel:hover,tr.selected{background:#8882}
tr.drift td.reported,tr.drift td.stored{color:var(--bad);font-weight:700}
tr.drift td.flag::after{content:"drift";color:#fff;background:var(--bad);border-radius:3px;padding:0 6px}
.grid{display:grid;grid-template-columns:minmax(280px,1fr) minmax(280px,1fr);gap:24px}
nav.tabs{display:flex;gap:4px;margin:8px 0}nav.tabs button{border:1px solid var(--line);background:none;padding:4px 12px;border-radius:4px 4px 0 0;cursor:pointer;font:inherit}
nav.tabs button[aria-selected="true"]{background:#8883;font-weight:700}
.groups{display:flex;flex-wrap:wrap;gap:12px}.group{border:1px solid var(--line);border-radius:4px;padding:6px 10px}
.group table{width:auto}.group td,.group th{padding:1px 8px;border:0;text-align:right}.group td:first-child,.group th:first-child{text-align:left}
.group b{font-size:15px}
.tools{display:flex;gap:8px;align-items:center;margin:0 0 6px}.tools input{flex:1;min-width:120px;font:inherit}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:12px}
.chart{border:1px solid var(--line);border-radius:4px;padding:6px 10px}.chart svg{width:100%;height:110px;display:block}
.axis{display:flex;justify-content:space-between;font-size:11px;opacity:.7}
.legend span{margin-right:12px;font-size:12px}.k-join{color:var(--ok)}.k-leave{color:var(--bad)}.k-rejection{color:var(--warn)}.k-online{color:#1565c0}
#log{list-style:none;margin:0;padding:0;max-height:320px;overflow:auto;font:12px ui-monospace,monospace}
#log li{border-bottom:1px solid var(--line);padding:2px 0}
#log .join{color:var(--ok)}#log .leave,#log .rejection,#log .drift{color:var(--bad)}
pre{margin:0;white-space:pre-wrap;font:12px ui-monospace,monospace}
.error{color:var(--bad)}.muted{opacity:.7;font-size:12px}
.k-users{color:#6a1b9a}tr.user-group td{font-weight:700;background:#8881}
.dot{display:inline-block;width:9px;height:9px;border-radius:50%;background:#9e9e9e;margin-right:6px}.dot.on{background:var(--ok)}
dl.user{display:grid;grid-template-columns:max-content 1fr;gap:4px 12px;margin:8px 0}dl.user dt{opacity:.7}dl.user dd{margin:0}
ul.plain{list-style:none;margin:0;padding:0}ul.plain li{padding:2px 0}button.link{border:0;background:none;padding:0;color:inherit;text-decoration:underline;cursor:pointer;font:inherit}
`;

const SCRIPT = `
"use strict";
const base = location.pathname.replace(/\\/+$/, "");
const $ = (id) => document.getElementById(id);
const el = (tag, text, cls) => { const e = document.createElement(tag); if (text !== undefined) e.textContent = String(text); if (cls) e.className = cls; return e; };
const SVG = document.querySelector("svg").namespaceURI; // the inline charts' own namespace (no URL in the page)
const svgEl = (tag, attrs) => { const e = document.createElementNS(SVG, tag); for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v)); return e; };
let selected; let source; let timer; let ticker; let actions = false;
const view = { q: "", page: 0, mq: "", mpage: 0, user: "", upage: 0 };
/** A time in ms as local time, with UTC in its title; anything that is not a time is shown as it is. */
function when(ms, clock) {
  const d = typeof ms === "number" ? new Date(ms) : new Date(NaN);
  if (!Number.isFinite(d.getTime())) return { text: String(ms), title: "not a time" };
  return { text: clock ? d.toLocaleTimeString() : d.toLocaleString(), title: d.toISOString() + " (UTC)" };
}
function timed(tag, ms, clock, cls) { const t = when(ms, clock); const e = el(tag, t.text, cls); e.title = t.title; return e; }
function showSignIn(message) {
  $("signin").hidden = false; $("app").hidden = true;
  $("signin-error").textContent = message || "";
}
async function signIn(event) {
  event.preventDefault();
  const token = $("token").value;
  const res = await fetch(base + "/session", { method: "POST", headers: { authorization: "Bearer " + token, "x-presence-inspector": "1" }, credentials: "same-origin" });
  $("token").value = "";
  if (res.ok) start(); else showSignIn(res.status === 401 ? "Wrong token" : "Sign-in failed (" + res.status + ")");
}
/** One group of counters: a small table, a row per label, a column per name. */
function group(title, columns, rows) {
  const box = el("div", undefined, "group"); box.append(el("h3", title));
  const table = el("table"); const head = el("tr"); head.append(el("th", ""));
  for (const c of columns) head.append(el("th", c));
  table.append(head);
  for (const [label, cells] of rows) {
    const tr = el("tr"); tr.append(el("td", label));
    for (const [name, value] of cells) { const td = el("td"); td.dataset.counter = name; td.append(el("b", value)); tr.append(td); }
    table.append(tr);
  }
  box.append(table); return box;
}
function counters(stats) {
  const providers = stats.providers;
  const d = stats.deliveries;
  const deliveries = providers.map((p) => [p, ["accepted", "duplicate", "stale"].map((o) => ["deliveries " + p + " " + o, d[p][o]])]);
  deliveries.push(["refused", [["deliveries unknown rejected", d.unknown.rejected], ["", ""], ["", ""]]]);
  const e = stats.effectiveEvents;
  const refusals = Object.entries(stats.rejections).map(([code, n]) => [code, [["rejections " + code, n]]]);
  const resyncs = providers.map((p) => [p, [...["complete", "incomplete", "failed"].map((o) => ["resyncs " + p + " " + o, stats.resyncs[p][o]]), ["drift " + p, stats.drift[p]]]]);
  $("counters").replaceChildren(
    group("Deliveries", ["accepted", "duplicate", "stale"], deliveries),
    group("Changes", ["join", "update", "leave"], [["effective", [["effective join", e.join], ["effective update", e.update], ["effective leave", e.leave]]]]),
    group("Resyncs", ["complete", "incomplete", "failed", "drift"], resyncs),
    group("Refusals", ["count"], refusals.length > 0 ? refusals : [["none", [["", 0]]]]),
    group("Store", ["now"], [["failures", [["store failures", stats.storeFailures]]], ["queue depth", [["queue depth", stats.queueDepth]]]]),
  );
}
function pager(prefix, paging, noun) {
  $(prefix + "-page").textContent = "page " + (paging.page + 1) + " of " + paging.pages + " (" + paging.total + " " + noun + ")";
  $(prefix + "-prev").disabled = paging.page === 0;
  $(prefix + "-next").disabled = paging.page + 1 >= paging.pages;
}
function channels(rows, paging) {
  const body = $("channels"); body.replaceChildren();
  for (const row of rows) {
    const tr = el("tr", undefined, "channel" + (row.drift ? " drift" : "") + (row.channel === selected ? " selected" : ""));
    tr.dataset.channel = row.channel;
    tr.append(el("td", row.channel), el("td", row.provider ?? "", "provider"), el("td", row.stored, "stored"), el("td", row.reported ?? "", "reported"), el("td", "", "flag"));
    tr.addEventListener("click", () => { selected = row.channel; view.mq = ""; view.mpage = 0; $("member-search").value = ""; refresh(); });
    body.append(tr);
  }
  $("empty").hidden = rows.length > 0;
  $("empty").textContent = paging.query ? "No channel matches." : "No channel yet.";
  pager("channel", paging, "channels");
}
function memberRow(m, userId) {
  const tr = el("tr", undefined, "member"); tr.dataset.client = m.clientId;
  if (userId !== undefined) tr.dataset.user = userId;
  const data = el("td"); data.append(el("pre", m.data === undefined ? "" : JSON.stringify(m.data, null, 1)));
  tr.append(el("td", m.clientId), el("td", m.connectionId ?? ""), data, timed("td", m.timestamp, false, "since"));
  return tr;
}
function members(part) {
  $("members-title").textContent = part ? "Members of " + part.channel : "Members (select a channel)";
  const body = $("members"); body.replaceChildren();
  $("resync").hidden = !(actions && part);
  $("member-tools").hidden = !part;
  if (!part) return;
  if (part.groups) {
    // Grouped by user: a row naming the user, then that user's members.
    for (const g of part.groups) {
      const head = el("tr", undefined, "user-group"); head.dataset.user = g.userId;
      const cell = el("td", g.userId + " · " + g.rows.length + (g.rows.length === 1 ? " member" : " members")); cell.colSpan = 4;
      head.append(cell); body.append(head);
      for (const at of g.rows) if (part.members[at]) body.append(memberRow(part.members[at], g.userId));
    }
  } else for (const m of part.members) body.append(memberRow(m));
  pager("member", part.paging, "members");
}
/** One user's presence: online, channels (each selects that channel), members, since, last seen. */
function userCard(lookup) {
  const card = $("user-card"); card.replaceChildren();
  if (!lookup) return;
  const p = lookup.presence;
  if (!p) { card.append(el("p", "No user " + JSON.stringify(lookup.userId) + " (never seen, or forgotten after users.lastSeenMs).", "muted")); card.dataset.user = ""; return; }
  card.dataset.user = p.userId;
  const dl = el("dl", undefined, "user");
  const add = (label, value, name) => { const dd = value instanceof Node ? el("dd") : el("dd", value); if (value instanceof Node) dd.append(value); dd.dataset.field = name; dl.append(el("dt", label), dd); };
  const online = el("span"); online.append(el("span", "", p.online ? "dot on" : "dot"), document.createTextNode(p.online ? "online" : "offline"));
  const list = el("ul", undefined, "plain");
  for (const channel of Array.isArray(p.channels) ? p.channels : []) {
    const li = el("li"); const b = el("button", channel, "link"); b.type = "button"; b.dataset.channel = channel;
    b.addEventListener("click", () => { selected = channel; view.upage = 0; refresh(); });
    li.append(b); list.append(li);
  }
  add("user", p.userId, "user"); add("status", online, "online");
  add("channels", list.children.length > 0 ? list : "none", "channels"); add("members", p.members, "members");
  add("since", p.since === undefined ? "—" : timed("span", p.since, false), "since");
  add("last seen", p.lastSeen === undefined ? "—" : timed("span", p.lastSeen, false), "lastSeen");
  card.append(dl);
}
function users(part) {
  $("users-off").hidden = part.on;
  $("user-form").hidden = !part.on;
  userCard(part.lookup);
  const c = part.channel;
  $("channel-users-title").textContent = c ? "Users of " + c.channel : "Users of a channel (select one in Channels, or a channel of a user)";
  $("user-tools").hidden = !c;
  const list = $("channel-users"); list.replaceChildren();
  if (!c) return;
  for (const userId of c.users) {
    const li = el("li"); const b = el("button", userId, "link"); b.type = "button"; b.dataset.user = userId;
    b.addEventListener("click", () => { view.user = userId; $("user-search").value = userId; refresh(); });
    li.append(b); list.append(li);
  }
  pager("user", c.paging, "users");
}
/** A line chart of per-second series in an inline SVG (no library): the last 15 minutes, newest on the right. */
function chart(id, series, unit) {
  const box = $(id); const svg = box.querySelector("svg"); svg.replaceChildren();
  const width = 900; const height = 100;
  let max = 1;
  for (const s of series) for (const v of s.values) if (typeof v === "number" && v > max) max = v;
  svg.setAttribute("viewBox", "0 0 " + width + " " + height);
  svg.setAttribute("preserveAspectRatio", "none");
  svg.append(svgEl("line", { x1: 0, y1: height, x2: width, y2: height, stroke: "currentColor", "stroke-opacity": 0.3 }));
  for (const s of series) {
    let points = "";
    s.values.forEach((v, i) => { if (typeof v === "number") points += (i * width / (s.values.length - 1)).toFixed(1) + "," + (height - (v / max) * (height - 4)).toFixed(1) + " "; });
    const line = svgEl("polyline", { points: points.trim(), fill: "none", stroke: s.color, "stroke-width": 1.5, "vector-effect": "non-scaling-stroke" });
    line.dataset.series = s.name;
    svg.append(line);
    box.dataset[s.name] = String(s.values.reduce((sum, v) => (typeof v === "number" && s.name !== "online" && s.name !== "users" ? sum + v : sum), 0));
  }
  box.querySelector(".max").textContent = "max " + max + unit;
}
function charts(t, people) {
  chart("chart-changes", [
    { name: "joins", values: t.joins, color: "#2e7d32" },
    { name: "leaves", values: t.leaves, color: "#c62828" },
    { name: "rejections", values: t.rejections, color: "#ef6c00" },
  ], "/s");
  const online = [{ name: "online", values: t.online, color: "#1565c0" }];
  if (people) online.push({ name: "users", values: t.usersOnline, color: "#6a1b9a" });
  chart("chart-online", online, "");
  const now = t.online[t.online.length - 1];
  $("online-now").textContent = typeof now === "number" ? String(now) : "?";
  $("chart-online").dataset.online = typeof now === "number" ? String(now) : "";
  const users = people ? t.usersOnline[t.usersOnline.length - 1] : undefined;
  for (const part of document.querySelectorAll(".people")) part.hidden = !people;
  $("users-now").textContent = typeof users === "number" ? String(users) : "?";
  $("chart-online").dataset.usersOnline = typeof users === "number" ? String(users) : "";
}
async function refresh() {
  const params = new URLSearchParams({ q: view.q, page: String(view.page) });
  if (selected !== undefined) { params.set("channel", selected); params.set("mq", view.mq); params.set("mpage", String(view.mpage)); params.set("upage", String(view.upage)); }
  if (view.user !== "") params.set("user", view.user);
  const res = await fetch(base + "/state?" + params, { credentials: "same-origin" });
  if (res.status === 401) { stop(); showSignIn("Signed out"); return; }
  if (!res.ok) return;
  const state = await res.json();
  actions = state.actions;
  view.page = state.channelPaging.page;
  if (state.members) view.mpage = state.members.paging.page;
  if (state.users.channel) view.upage = state.users.channel.paging.page;
  channels(state.channels, state.channelPaging); members(state.members); users(state.users); counters(state.stats); charts(state.timeline, state.users.on);
}
function later() { clearTimeout(timer); timer = setTimeout(refresh, 100); }
function line(type, data) {
  const log = $("log");
  const who = data.member ? " " + data.member.clientId + (data.member.connectionId ? " (" + data.member.connectionId + ")" : "")
    : data.userId !== undefined ? " " + data.userId : "";
  const what = type === "drift" ? " reported " + data.reported + ", stored " + data.stored
    : type === "rejection" ? " " + data.status + " " + data.code
    : type === "resync" ? " " + data.outcome + ", " + data.changes + " changes"
    : type === "occupancy" ? " " + (data.occupancy ?? "?") : "";
  const li = el("li", undefined, type);
  li.append(timed("span", Date.now(), true), document.createTextNode(" " + type + " " + (data.provider ?? "") + " " + (data.channel ?? "") + who + what));
  li.dataset.type = type;
  log.prepend(li);
  while (log.children.length > 200) log.lastChild.remove();
}
function stop() { if (source) source.close(); source = undefined; clearInterval(ticker); }
function start() {
  $("signin").hidden = true; $("app").hidden = false;
  stop();
  source = new EventSource(base + "/events");
  for (const type of ["join", "update", "leave", "user.online", "user.offline", "user.join", "user.leave", "drift", "resync", "rejection", "occupancy"]) {
    source.addEventListener(type, (e) => { line(type, JSON.parse(e.data)); later(); });
  }
  source.addEventListener("open", () => { $("live").textContent = "live"; });
  source.addEventListener("error", () => { $("live").textContent = "reconnecting"; });
  ticker = setInterval(refresh, 2000); // the chart moves on with time
  refresh();
}
function searchBox(id, apply) { let wait; $(id).addEventListener("input", () => { clearTimeout(wait); wait = setTimeout(() => { apply($(id).value); refresh(); }, 150); }); }
searchBox("channel-search", (value) => { view.q = value; view.page = 0; });
searchBox("member-search", (value) => { view.mq = value; view.mpage = 0; });
$("channel-prev").addEventListener("click", () => { view.page = Math.max(0, view.page - 1); refresh(); });
$("channel-next").addEventListener("click", () => { view.page++; refresh(); });
$("member-prev").addEventListener("click", () => { view.mpage = Math.max(0, view.mpage - 1); refresh(); });
$("member-next").addEventListener("click", () => { view.mpage++; refresh(); });
$("user-prev").addEventListener("click", () => { view.upage = Math.max(0, view.upage - 1); refresh(); });
$("user-next").addEventListener("click", () => { view.upage++; refresh(); });
$("user-form").addEventListener("submit", (event) => { event.preventDefault(); view.user = $("user-search").value.trim(); refresh(); });
for (const tab of document.querySelectorAll("nav.tabs button")) {
  tab.addEventListener("click", () => {
    for (const other of document.querySelectorAll("nav.tabs button")) { other.setAttribute("aria-selected", String(other === tab)); $(other.dataset.view).hidden = other !== tab; }
  });
}
$("signin-form").addEventListener("submit", signIn);
$("resync").addEventListener("click", async () => {
  if (selected === undefined) return;
  const res = await fetch(base + "/resync?channel=" + encodeURIComponent(selected), { method: "POST", headers: { "x-presence-inspector": "1" }, credentials: "same-origin" });
  line("resync", { channel: selected, outcome: res.ok ? "requested" : "refused " + res.status, changes: 0 });
  later();
});
fetch(base + "/state", { credentials: "same-origin" }).then((res) => (res.ok ? start() : showSignIn()), () => showSignIn("Unreachable"));
`;

/** The page, with the nonce its script and style carry. */
export function renderPage(nonce: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer"><title>presence-webhooks inspector</title>
<style nonce="${nonce}">${STYLE}</style></head>
<body>
<h1>presence-webhooks inspector <small id="live"></small></h1>
<section id="signin" hidden>
<form id="signin-form"><label>Token <input id="token" type="password" autocomplete="current-password" required></label> <button type="submit">Sign in</button></form>
<p id="signin-error" class="error" role="alert"></p>
</section>
<main id="app" hidden>
<section class="charts" aria-label="The last 15 minutes">
<div id="chart-changes" class="chart"><h3>Changes per second</h3><div class="legend"><span class="k-join">joins</span><span class="k-leave">leaves</span><span class="k-rejection">rejections</span></div><svg role="img" aria-label="joins, leaves and rejections per second, last 15 minutes"></svg><div class="axis"><span>15 min ago</span><span class="max"></span><span>now</span></div></div>
<div id="chart-online" class="chart"><h3>Members online: <span id="online-now">?</span><span class="people" hidden> &middot; users online: <span id="users-now">?</span></span></h3><div class="legend"><span class="k-online">members</span><span class="k-users people" hidden>users</span></div><svg role="img" aria-label="members and users online, last 15 minutes"></svg><div class="axis"><span>15 min ago</span><span class="max"></span><span>now</span></div></div>
</section>
<h2>Counters</h2><div id="counters" class="groups"></div>
<nav class="tabs" role="tablist"><button type="button" role="tab" aria-selected="true" data-view="view-channels">Channels</button><button type="button" role="tab" aria-selected="false" data-view="view-users">Users</button></nav>
<div id="view-channels" class="grid">
<section><h2>Channels</h2>
<div class="tools"><input id="channel-search" type="search" placeholder="Search channels" aria-label="Search channels" maxlength="200"><button id="channel-prev" type="button">&lsaquo;</button><span id="channel-page" class="muted"></span><button id="channel-next" type="button">&rsaquo;</button></div>
<p id="empty">No channel yet.</p>
<table><thead><tr><th>channel</th><th>provider</th><th>stored</th><th>reported</th><th></th></tr></thead><tbody id="channels"></tbody></table></section>
<section><h2 id="members-title">Members (select a channel)</h2><button id="resync" type="button" hidden>Resync this channel</button>
<div id="member-tools" class="tools" hidden><input id="member-search" type="search" placeholder="Search clientId, connectionId or user id" aria-label="Search members" maxlength="200"><button id="member-prev" type="button">&lsaquo;</button><span id="member-page" class="muted"></span><button id="member-next" type="button">&rsaquo;</button></div>
<table><thead><tr><th>clientId</th><th>connectionId</th><th>data</th><th>since (local time; UTC on hover)</th></tr></thead><tbody id="members"></tbody></table></section>
</div>
<div id="view-users" class="grid" hidden>
<section><h2>Find a user</h2>
<p id="users-off" class="muted" hidden>User levels are off (users: false, or a store without them).</p>
<form id="user-form" class="tools"><input id="user-search" type="search" placeholder="User id (exact)" aria-label="User id" maxlength="200"><button type="submit">Find</button></form>
<div id="user-card" aria-live="polite"></div>
<p class="muted">Times: local time; UTC on hover.</p></section>
<section><h2 id="channel-users-title">Users of a channel</h2>
<div id="user-tools" class="tools" hidden><button id="user-prev" type="button">&lsaquo;</button><span id="user-page" class="muted"></span><button id="user-next" type="button">&rsaquo;</button></div>
<ul id="channel-users" class="plain"></ul></section>
</div>
<h2>Live</h2><ul id="log"></ul>
</main>
<script nonce="${nonce}">${SCRIPT}</script>
</body></html>`;
}
