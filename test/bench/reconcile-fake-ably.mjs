// The fake Ably REST API the reconcile benchmark runs against, in a process of its own (so that
// the benchmark's memory figures are the client's). Channels and members are derived from their
// index on demand, nothing is stored per member:
//   node test/bench/reconcile-fake-ably.mjs '{"channels":100000,"members":1000000,"maxRequestsPerSecond":50,"key":"app.key:secret"}'
// prints {"port":N} once listening. GET /__stats answers the request counts.
// Routes: GET /channels?by=id&limit=&cursor= (Link rel="next"), GET /presence?channels=a,b,...
// (BatchResult), GET /channels/{id}/presence (one page, for the fallback). 429 with
// Retry-After: 1 above maxRequestsPerSecond requests in the last second.
import { createServer } from 'node:http';

const options = JSON.parse(process.argv[2] ?? '{}');
const channels = options.channels ?? 2000;
const members = options.members ?? 20_000;
const limit = options.maxRequestsPerSecond ?? 50;
const expected = `Basic ${Buffer.from(options.key ?? 'app.key:secret').toString('base64')}`;
const T0 = 1_700_000_000_000;

/** Channel i's name: mostly `room:i`, every 100th with a slash, a space and a non-ASCII letter. */
const nameOf = (i) => (i % 100 === 0 ? `room/${i} é` : `room:${i}`);
const index = new Map(Array.from({ length: channels }, (_, i) => [nameOf(i), i]));
const base = Math.floor(members / channels);
const extra = members % channels;
const countOf = (i) => base + (i < extra ? 1 : 0);
const memberOf = (i, j) => ({
  id: `c${i}x${j}:0:0`,
  clientId: `user-${j}`,
  connectionId: `c${i}x${j}`,
  action: 1,
  timestamp: T0 + j,
  data: { status: 'online', j },
});
const presenceOf = (i) => Array.from({ length: countOf(i) }, (_, j) => memberOf(i, j));

const counts = { requests: 0, channels: 0, batch: 0, single: 0, throttled: 0 };
const recent = [];

function send(res, status, body, headers = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://fake.invalid');
  if (url.pathname === '/__stats') return send(res, 200, counts);
  counts.requests++;
  if (req.headers.authorization !== expected)
    return send(res, 401, { error: { message: 'Invalid credentials', code: 40101, statusCode: 401 } });
  const now = Date.now();
  while (recent.length > 0 && recent[0] <= now - 1000) recent.shift();
  if (recent.length >= limit) {
    counts.throttled++;
    return send(
      res,
      429,
      { error: { message: 'Rate limit exceeded; request rejected', code: 42910, statusCode: 429 } },
      { 'retry-after': '1' },
    );
  }
  recent.push(now);
  if (url.pathname === '/channels') {
    counts.channels++;
    const pageSize = Math.min(Number(url.searchParams.get('limit') ?? 100), 1000);
    const start = Number(url.searchParams.get('cursor') ?? 0);
    const page = [];
    for (let i = start; i < Math.min(channels, start + pageSize); i++) page.push(nameOf(i));
    const headers = {};
    if (start + pageSize < channels) {
      const next = new URLSearchParams(url.searchParams);
      next.set('cursor', String(start + pageSize));
      headers.link = `<./channels?${next}>; rel="next"`;
    }
    return send(res, 200, page, headers);
  }
  if (url.pathname === '/presence') {
    counts.batch++;
    const names = (url.searchParams.get('channels') ?? '').split(',');
    if (names.length > 100) return send(res, 400, { error: { message: 'too many channels', code: 90010, statusCode: 400 } });
    const results = names.map((channel) => {
      const i = index.get(channel);
      return i === undefined ? { channel, presence: [] } : { channel, presence: presenceOf(i) };
    });
    return send(res, 200, { successCount: results.length, failureCount: 0, results });
  }
  const match = /^\/channels\/([^/]+)\/presence$/.exec(url.pathname);
  if (match !== null) {
    counts.single++;
    const i = index.get(decodeURIComponent(match[1]));
    return send(res, 200, i === undefined ? [] : presenceOf(i).slice(0, 1000));
  }
  send(res, 404, { error: { message: 'Not found', code: 40400, statusCode: 404 } });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
