// CPU time of the processes a cycle keeps busy on this machine: the cycle's own process, this one
// (latency proxy and Kubernetes API double) and the registry. Linux /proc only; elsewhere undefined.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** User + system CPU of a process, ms; undefined when /proc cannot tell. */
export function processCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which may itself hold spaces: state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks();
  } catch {
    return undefined;
  }
}

/** The pid of this process's child running `command` (as /proc/<pid>/comm shows it). */
export function childPid(command: string): number | undefined {
  try {
    for (const task of readdirSync(`/proc/${process.pid}/task`)) {
      const children = readFileSync(`/proc/${process.pid}/task/${task}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
      for (const pid of children.map(Number)) {
        if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === command) return pid;
      }
    }
  } catch {
    // Not Linux, or the process went away.
  }
  return undefined;
}

/** This process's own CPU, ms. */
export function ownCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}
