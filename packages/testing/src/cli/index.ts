export { runCli } from './run.js';
export type { CliIo } from './run.js';
export { parseSimulateArgs, UsageError } from './args.js';
export { exitCodeOf, formatReport } from './report.js';
export { parseDuration } from './duration.js';
