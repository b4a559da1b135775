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
:root{color-scheme:light dark;--bad:#c62828;--ok:#2e7d32;--line:#8884;font:14px/1.4 system-ui,sans-serif}
body{margin:0;padding:16px 24px}
h1{font-size:18px;margin:0 0 12px}h2{font-size:15px;margin:16px 0 8px}
[hidden]{display:none!important}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid var(--line);vertical-align:top}
tr.channel{cursor:pointer}tr.channel:hover,tr.selected{background:#8882}
tr.drift td.reported,tr.drift td.stored{color:var(--bad);font-weight:700}
tr.drift td.flag::after{content:"drift";color:#fff;background:var(--bad);border-radius:3px;padding:0 6px}
.grid{display:grid;grid-template-columns:minmax(280px,1fr) minmax(280px,1fr);gap:24px}
.counters{display:flex;flex-wrap:wrap;gap:8px}.counter{border:1px solid var(--line);border-radius:4px;padding:4px 8px}
.counter b{display:block;font-size:16px}
#log{list-style:none;margin:0;padding:0;max-height:320px;overflow:auto;font:12px ui-monospace,monospace}
#log li{border-bottom:1px solid var(--line);padding:2px 0}
#log .join{color:var(--ok)}#log .leave,#log .rejection,#log .drift{color:var(--bad)}
pre{margin:0;white-space:pre-wrap;font:12px ui-monospace,monospace}
.error{color:var(--bad)}
`;

const SCRIPT = `
"use strict";
const base = location.pathname.replace(/\\/+$/, "");
const $ = (id) => document.getElementById(id);
const el = (tag, text, cls) => { const e = document.createElement(tag); if (text !== undefined) e.textContent = String(text); if (cls) e.className = cls; return e; };
let selected; let source; let timer; let actions = false;
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
function counters(stats) {
  const box = $("counters"); box.replaceChildren();
  const add = (name, value) => { const c = el("div", undefined, "counter"); c.dataset.counter = name; c.append(el("b", value), el("span", name)); box.append(c); };
  for (const [provider, outcomes] of Object.entries(stats.deliveries)) for (const [outcome, n] of Object.entries(outcomes)) if ((provider === "unknown") === (outcome === "rejected")) add("deliveries " + provider + " " + outcome, n);
  for (const [code, n] of Object.entries(stats.rejections)) add("rejections " + code, n);
  for (const [type, n] of Object.entries(stats.effectiveEvents)) add("effective " + type, n);
  add("store failures", stats.storeFailures); add("queue depth", stats.queueDepth);
  for (const [provider, n] of Object.entries(stats.drift)) add("drift " + provider, n);
  for (const [provider, outcomes] of Object.entries(stats.resyncs)) for (const [outcome, n] of Object.entries(outcomes)) add("resyncs " + provider + " " + outcome, n);
}
function channels(rows) {
  const body = $("channels"); body.replaceChildren();
  for (const row of rows) {
    const tr = el("tr", undefined, "channel" + (row.drift ? " drift" : "") + (row.channel === selected ? " selected" : ""));
    tr.dataset.channel = row.channel;
    tr.append(el("td", row.channel), el("td", row.provider ?? ""), el("td", row.stored, "stored"), el("td", row.reported ?? "", "reported"), el("td", "", "flag"));
    tr.addEventListener("click", () => { selected = row.channel; refresh(); });
    body.append(tr);
  }
  $("empty").hidden = rows.length > 0;
}
function members(part) {
  $("members-title").textContent = part ? "Members of " + part.channel + (part.truncated ? " (first " + part.members.length + ")" : "") : "Members (select a channel)";
  const body = $("members"); body.replaceChildren();
  $("resync").hidden = !(actions && part);
  if (!part) return;
  for (const m of part.members) {
    const tr = el("tr", undefined, "member"); tr.dataset.client = m.clientId;
    const data = el("td"); data.append(el("pre", m.data === undefined ? "" : JSON.stringify(m.data, null, 1)));
    tr.append(el("td", m.clientId), el("td", m.connectionId ?? ""), data, el("td", new Date(m.timestamp).toISOString()));
    body.append(tr);
  }
}
async function refresh() {
  const res = await fetch(base + "/state" + (selected === undefined ? "" : "?channel=" + encodeURIComponent(selected)), { credentials: "same-origin" });
  if (res.status === 401) { stop(); showSignIn("Signed out"); return; }
  if (!res.ok) return;
  const state = await res.json();
  actions = state.actions;
  channels(state.channels); members(state.members); counters(state.stats);
  $("truncated").hidden = !state.truncated;
}
function later() { clearTimeout(timer); timer = setTimeout(refresh, 100); }
function line(type, data) {
  const log = $("log");
  const who = data.member ? " " + data.member.clientId + (data.member.connectionId ? " (" + data.member.connectionId + ")" : "") : "";
  const what = type === "drift" ? " reported " + data.reported + ", stored " + data.stored
    : type === "rejection" ? " " + data.status + " " + data.code
    : type === "resync" ? " " + data.outcome + ", " + data.changes + " changes"
    : type === "occupancy" ? " " + (data.occupancy ?? "?") : "";
  const li = el("li", new Date().toISOString().slice(11, 23) + " " + type + " " + (data.provider ?? "") + " " + (data.channel ?? "") + who + what, type);
  li.dataset.type = type;
  log.prepend(li);
  while (log.children.length > 200) log.lastChild.remove();
}
function stop() { if (source) source.close(); source = undefined; }
function start() {
  $("signin").hidden = true; $("app").hidden = false;
  stop();
  source = new EventSource(base + "/events");
  for (const type of ["join", "update", "leave", "drift", "resync", "rejection", "occupancy"]) {
    source.addEventListener(type, (e) => { line(type, JSON.parse(e.data)); later(); });
  }
  source.addEventListener("open", () => { $("live").textContent = "live"; });
  source.addEventListener("error", () => { $("live").textContent = "reconnecting"; });
  refresh();
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
<h2>Counters</h2><div id="counters" class="counters"></div>
<div class="grid">
<section><h2>Channels</h2><p id="empty">No channel yet.</p><p id="truncated" hidden>Only the first channels are listed.</p>
<table><thead><tr><th>channel</th><th>provider</th><th>stored</th><th>reported</th><th></th></tr></thead><tbody id="channels"></tbody></table></section>
<section><h2 id="members-title">Members (select a channel)</h2><button id="resync" type="button" hidden>Resync this channel</button>
<table><thead><tr><th>clientId</th><th>connectionId</th><th>data</th><th>since</th></tr></thead><tbody id="members"></tbody></table></section>
</div>
<h2>Live</h2><ul id="log"></ul>
</main>
<script nonce="${nonce}">${SCRIPT}</script>
</body></html>`;
}
