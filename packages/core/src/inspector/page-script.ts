/**
 * The inspector page's script (inlined in page.ts under the page's nonce): signs in, reads `./state`,
 * listens to `./events`, draws the tables and charts, and writes every value with `textContent`.
 */
export const PAGE_SCRIPT = `
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
