// How much of the machine other processes used while a measurement ran, so a
// thread-scaling ratio taken while something else competed for the cores says
// so (on a 2-core machine one busy neighbour turns a 2× into ~1.3×: the
// N-thread run shares the cores, the 1-thread run mostly does not).
// Linux only (/proc/stat); elsewhere the share is unknown (null).
import { readFileSync } from 'node:fs';

/** /proc/stat counts in USER_HZ ticks, 100 per second on Linux. */
const TICK_S = 0.01;
/** Core-seconds below which a share is mostly tick noise (one tick = 4 % of 0.25 core-s). */
const MIN_CORE_S = 0.25;

/** Seconds of CPU the whole machine spent busy (steal included: CPU the host gave someone else), or null. */
function machineBusySeconds() {
  try {
    const [user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1).map(Number);
    return (user + nice + system + irq + softirq + steal) * TICK_S;
  } catch {
    return null;
  }
}

/**
 * Accumulates, over the calls it wraps, the CPU time the rest of the machine
 * used: machine busy time minus this process's own. The tick granularity
 * (10 ms) makes one short call's figure rough; summed over many calls it is
 * unbiased.
 */
export class ForeignCpu {
  busy = 0;
  ours = 0;
  wallS = 0;
  known = true;

  async measure(fn) {
    const b0 = machineBusySeconds();
    const u0 = process.cpuUsage();
    const w0 = performance.now();
    const result = await fn();
    const w1 = performance.now();
    const u = process.cpuUsage(u0);
    const b1 = machineBusySeconds();
    if (b0 === null || b1 === null) this.known = false;
    else {
      this.busy += b1 - b0;
      this.ours += (u.user + u.system) / 1e6;
      this.wallS += (w1 - w0) / 1e3;
    }
    return result;
  }

  /**
   * Fraction of all `cores` other processes kept busy (0–1), or null when
   * unknown or measured over too little time to tell.
   */
  share(cores) {
    if (!this.known || this.wallS * cores < MIN_CORE_S) return null;
    return Math.min(1, Math.max(0, (this.busy - this.ours) / (this.wallS * cores)));
  }
}
