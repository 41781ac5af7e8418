// Running one client process and measuring it: /usr/bin/time -f wraps the client, so user+sys
// CPU seconds and the peak RSS (ru_maxrss, which is the process's VmHWM) are the client
// process's own (with its threads: librdkafka's and the JVM's count too), nothing of the broker
// or this runner. Falls back to polling /proc/<pid>/stat|status when /usr/bin/time is missing.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const TIME = '/usr/bin/time';
const haveTime = fs.existsSync(TIME);
const CLK_TCK = 100;

/**
 * Runs `cmd args` and resolves { code, signal, stdout, stderr, cpuUser, cpuSys, maxRssKb, wallS }.
 * `stdinFile` feeds a file to stdin. Kills the process group after `timeoutMs`.
 */
export function measure(cmd, args, { stdinFile, env, cwd, timeoutMs = 15 * 60_000 } = {}) {
  return new Promise((resolve, reject) => {
    const timeFile = path.join(os.tmpdir(), `kafka-wire-bench-time-${process.pid}-${Math.random().toString(36).slice(2)}.txt`);
    const argv = haveTime ? ['-f', 'TIME %U %S %M %e', '-o', timeFile, cmd, ...args] : args;
    const stdin = stdinFile ? fs.openSync(stdinFile, 'r') : 'ignore';
    const t0 = performance.now();
    const child = spawn(haveTime ? TIME : cmd, argv, {
      cwd,
      env: { ...process.env, ...env },
      stdio: [stdin, 'pipe', 'pipe'],
      detached: true,
    });
    if (typeof stdin === 'number') fs.closeSync(stdin);
    const out = [];
    const err = [];
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => err.push(d));
    let polled = { user: 0, sys: 0, hwm: 0 };
    const poller = haveTime ? null : setInterval(() => (polled = pollProc(child.pid, polled)), 100);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {}
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      if (poller) clearInterval(poller);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (poller) clearInterval(poller);
      const wallS = (performance.now() - t0) / 1000;
      const res = {
        code,
        signal,
        timedOut,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        cpuUser: polled.user,
        cpuSys: polled.sys,
        maxRssKb: polled.hwm,
        wallS,
      };
      if (haveTime) {
        try {
          const line = fs.readFileSync(timeFile, 'utf8').split('\n').find((l) => l.startsWith('TIME '));
          const [u, s, m, e] = line.slice(5).trim().split(/\s+/).map(Number);
          Object.assign(res, { cpuUser: u, cpuSys: s, maxRssKb: m, wallS: e });
          // `time` reports "Command exited with non-zero status N" in its output file, and exits N.
        } catch {}
        fs.rmSync(timeFile, { force: true });
      }
      resolve(res);
    });
  });
}

function pollProc(pid, prev) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const user = Number(f[11]) / CLK_TCK;
    const sys = Number(f[12]) / CLK_TCK;
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const hwm = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return { user: Math.max(user, prev.user), sys: Math.max(sys, prev.sys), hwm: Math.max(hwm, prev.hwm) };
  } catch {
    return prev;
  }
}

/** The last `RESULT {json}` line of a driver's stdout, or null. */
export function parseResultLine(stdout) {
  const lines = stdout.split('\n').filter((l) => l.startsWith('RESULT '));
  if (lines.length === 0) return null;
  return JSON.parse(lines[lines.length - 1].slice(7));
}

/**
 * Java ProducerPerformance's summary line:
 * `N records sent, X records/sec (Y MB/sec), A ms avg latency, M ms max latency, P ms 50th, P ms 95th, P ms 99th, P ms 99.9th.`
 * With --warmup-records it adds `N steady state records sent, ...` (same fields): the latency
 * figures are then taken from that line, the record count and rate from the total.
 */
export function parseJavaSummary(stdout) {
  const re = /^(\d+) (steady state )?records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th, (\d+) ms 99\.9th\.$/;
  const matches = stdout.split('\n').map((l) => re.exec(l.trim())).filter(Boolean);
  const total = matches.filter((m) => !m[2]).pop();
  if (!total) return null;
  const lat = matches.filter((m) => m[2]).pop() ?? total;
  const records = Number(total[1]);
  const rps = Number(total[3]);
  return {
    records,
    elapsedMs: (records / rps) * 1000,
    avgLatency: Number(lat[5]),
    maxLatency: Number(lat[6]),
    p50: Number(lat[7]),
    p95: Number(lat[8]),
    p99: Number(lat[9]),
    p999: Number(lat[10]),
  };
}

export const median = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};
