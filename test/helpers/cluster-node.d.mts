import type { ChildProcess } from 'node:child_process';

export function spawnClusterNode(port: number, dir: string): ChildProcess;
