// The Ably key the benchmark bodies are signed with (kept apart from fixtures.mjs so that servers
// do not load the testing package), and the secret of the @octokit/webhooks peer.
export const BENCH_KEY = 'bench.key:bench-secret-0123456789';
export const OCTOKIT_SECRET = 'bench-secret-0123456789';
