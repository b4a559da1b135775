/**
 * The inspector's page: one self-contained HTML document (inline CSS and JS, no CDN), allowed to run
 * only its own script and style by a nonce in a strict Content-Security-Policy. It holds no presence
 * data: after sign-in it reads `./state` and listens to `./events` (Server-Sent Events), and it
 * writes every value with `textContent` (never as HTML). Its script is page-script.ts.
 */
import { randomBytes } from 'node:crypto';
import type { WebhookResponse } from '../http/response.js';
import { guarded } from './guarded.js';
import { PAGE_SCRIPT } from './page-script.js';

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

/** The answer to `GET <mount>/inspector`: the page, under a fresh nonce and the policy that allows only it. */
export function pageResponse(): WebhookResponse {
  const nonce = randomBytes(18).toString('base64');
  return guarded(
    { status: 200, headers: { 'content-type': 'text/html; charset=utf-8' }, body: renderPage(nonce) },
    pageSecurityPolicy(nonce),
  );
}

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
<script nonce="${nonce}">${PAGE_SCRIPT}</script>
</body></html>`;
}
