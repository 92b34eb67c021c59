// WasiHost: a WASI preview1 host in plain JavaScript, written from the preview1 witx.
// It replaces node:wasi, which crashes node (segfault, V8 "FreeSpace") once a program
// has grown its memory many times. Guest memory is reached through GuestMemory, which
// follows memory.grow. The fd_* and path_* calls live in wasi-fs.mjs; this file has
// the rest and turns what the calls throw into errnos.
import { randomFillSync } from 'node:crypto';
import { ERRNO, FileSystem, WasiError, sleep } from './wasi-fs.mjs';

const CLOCK = { REALTIME: 0, MONOTONIC: 1, PROCESS_CPUTIME: 2, THREAD_CPUTIME: 3 };
// Date.now() counts milliseconds, hrtime nanoseconds, cpuUsage microseconds.
const RESOLUTION_NS = {
  [CLOCK.REALTIME]: 1_000_000n,
  [CLOCK.MONOTONIC]: 1n,
  [CLOCK.PROCESS_CPUTIME]: 1000n,
  [CLOCK.THREAD_CPUTIME]: 1000n,
};
const EVENTTYPE = { CLOCK: 0, FD_READ: 1, FD_WRITE: 2 };
const SUBCLOCK_ABSTIME = 1;
const SUBSCRIPTION_SIZE = 48;
const EVENT_SIZE = 32;

// Preview1 functions left out; they answer ENOSYS so that modules importing them still link.
const UNSUPPORTED = [
  'fd_advise', 'fd_allocate', 'fd_fdstat_set_rights', 'fd_filestat_set_times', 'fd_renumber',
  'path_filestat_set_times', 'path_link', 'proc_raise',
];

/**
 * Views of the guest's memory. memory.buffer is read on every access, since
 * memory.grow detaches the old buffer; the views are only made anew when it has
 * changed: making them on every call nearly doubled the cost of a clock_time_get.
 */
class GuestMemory {
  memory = null; // the instance's, set by WasiHost.start
  #buffer = null;
  #view;
  #bytes;

  #refresh() {
    const { buffer } = this.memory;
    if (buffer !== this.#buffer) {
      this.#buffer = buffer;
      this.#view = new DataView(buffer);
      this.#bytes = new Uint8Array(buffer);
    }
  }

  get view() {
    this.#refresh();
    return this.#view;
  }

  get bytes() {
    this.#refresh();
    return this.#bytes;
  }
}

// The errno for an error thrown by a call: ours or a node system error. Others are rethrown.
function errnoOf(err) {
  if (err instanceof WasiError) return err.errno;
  if (typeof err?.syscall !== 'string') throw err; // a bug, or proc_exit unwinding
  return ERRNO[err.code.slice(1)] ?? ERRNO.IO;
}

// Thrown by proc_exit to unwind the guest back to start().
class ExitSignal {
  constructor(code) {
    this.code = code;
  }
}

// Current time of a WASI clock in ns. Node runs the guest on one thread, so the thread's
// CPU time is taken to be the process's.
function now(id) {
  switch (id) {
    case CLOCK.REALTIME:
      return BigInt(Date.now()) * 1_000_000n;
    case CLOCK.MONOTONIC:
      return process.hrtime.bigint();
    case CLOCK.PROCESS_CPUTIME:
    case CLOCK.THREAD_CPUTIME: {
      const { user, system } = process.cpuUsage();
      return BigInt(user + system) * 1000n;
    }
    default:
      throw new WasiError(ERRNO.INVAL);
  }
}

// WASI's i32 arguments are all unsigned (pointers, sizes, fds, flags) but arrive
// signed, so they are made unsigned here. i64s stay signed BigInts, as BigInt.asUintN
// on every call would cost a fifth of a clock_time_get: wasi-fs's offset() rejects negatives.
const u32 = (arg) => (typeof arg === 'number' ? arg >>> 0 : arg);

// A call's body returns nothing on success and throws on failure; the guest sees an errno.
// Nine fixed parameters (path_open's count) rather than ...args, which is a third slower.
function syscall(body) {
  return (a, b, c, d, e, f, g, h, i) => {
    try {
      body(u32(a), u32(b), u32(c), u32(d), u32(e), u32(f), u32(g), u32(h), u32(i));
      return ERRNO.SUCCESS;
    } catch (err) {
      return errnoOf(err);
    }
  };
}

const encode = (s) => Buffer.from(`${s}\0`);

/**
 * A WASI preview1 host. args is the whole argv (argv[0] included); env maps names to
 * values; preopens maps guest paths to host directories; stdin, stdout and stderr
 * are this process's fds that the guest's 0, 1 and 2 stand for.
 * `imports` is the wasi_snapshot_preview1 import object; start(instance) runs it.
 */
export class WasiHost {
  #memory = new GuestMemory();
  #fs;
  #args;
  #env;

  constructor({ args = [], env = {}, preopens = {}, stdin = 0, stdout = 1, stderr = 2, sockets = null, listeners = [] } = {}) {
    this.#args = args.map(encode);
    this.#env = Object.entries(env).map(([name, value]) => encode(`${name}=${value}`));
    this.#fs = new FileSystem({ stdio: [stdin, stdout, stderr], preopens, memory: this.#memory, sockets, listeners });
    const fsCalls = Object.getOwnPropertyNames(FileSystem.prototype)
      .filter((name) => /^(fd|path|sock)_/.test(name))
      .map((name) => [name, this.#fs[name].bind(this.#fs)]);
    const calls = {
      ...Object.fromEntries(UNSUPPORTED.map((name) => [name, () => { throw new WasiError(ERRNO.NOSYS); }])),
      ...Object.fromEntries(fsCalls),
      ...this.#calls(),
    };
    this.imports = Object.fromEntries(Object.entries(calls).map(([name, body]) => [name, syscall(body)]));
  }

  /** Runs the instance's _start; returns the exit code (proc_exit's, or 0 when _start returns). */
  start(instance) {
    const { memory, _start } = instance.exports;
    if (!(memory instanceof WebAssembly.Memory)) throw new TypeError('the module does not export its memory');
    if (typeof _start !== 'function') throw new TypeError('the module has no _start export');
    this.#memory.memory = memory;
    try {
      _start();
      return 0;
    } catch (err) {
      if (err instanceof ExitSignal) return err.code;
      throw err;
    } finally {
      this.#fs.closeAll();
    }
  }

  #calls() {
    return {
      args_sizes_get: (countPtr, sizePtr) => this.#sizes(this.#args, countPtr, sizePtr),
      args_get: (ptrs, buf) => this.#strings(this.#args, ptrs, buf),
      environ_sizes_get: (countPtr, sizePtr) => this.#sizes(this.#env, countPtr, sizePtr),
      environ_get: (ptrs, buf) => this.#strings(this.#env, ptrs, buf),
      clock_res_get: (id, ptr) => {
        if (!(id in RESOLUTION_NS)) throw new WasiError(ERRNO.INVAL);
        this.#memory.view.setBigUint64(ptr, RESOLUTION_NS[id], true);
      },
      clock_time_get: (id, precision, ptr) => this.#memory.view.setBigUint64(ptr, now(id), true),
      random_get: (buf, len) => randomFillSync(this.#memory.bytes, buf, len),
      sched_yield: () => {},
      // exit(-1) reports -1, not 4294967295, as node:wasi did.
      proc_exit: (code) => {
        throw new ExitSignal(code | 0);
      },
      poll_oneoff: (subs, events, count, countPtr) => this.#poll(subs, events, count, countPtr),
    };
  }

  #sizes(strings, countPtr, sizePtr) {
    const view = this.#memory.view;
    view.setUint32(countPtr, strings.length, true);
    view.setUint32(sizePtr, strings.reduce((sum, s) => sum + s.length, 0), true);
  }

  // Each string goes to buf, one after the other, and its address to the array at ptrs.
  #strings(strings, ptrs, buf) {
    const { view, bytes } = this.#memory;
    strings.forEach((s, i) => {
      view.setUint32(ptrs + 4 * i, buf, true);
      bytes.set(s, buf);
      buf += s.length;
    });
  }

  // Blocks until a descriptor subscription is ready (FileSystem.pollFd) or the earliest
  // clock deadline passes; reports the ready descriptors and the clocks that are due.
  #poll(subs, events, count, countPtr) {
    if (count === 0) throw new WasiError(ERRNO.INVAL);
    const view = this.#memory.view;
    const fds = [];
    const clocks = [];
    for (let i = 0; i < count; i++) {
      const sub = subs + i * SUBSCRIPTION_SIZE;
      const userdata = view.getBigUint64(sub, true);
      const type = view.getUint8(sub + 8);
      if (type === EVENTTYPE.CLOCK) {
        const id = view.getUint32(sub + 16, true);
        const timeout = view.getBigUint64(sub + 24, true);
        const clockNow = now(id); // throws for an unknown clock
        // An absolute time on any clock is taken as that distance from now on the monotonic one.
        const delay = view.getUint16(sub + 40, true) & SUBCLOCK_ABSTIME ? timeout - clockNow : timeout;
        const deadline = process.hrtime.bigint() + delay;
        clocks.push({ userdata, type, error: ERRNO.SUCCESS, nbytes: 0n, deadline });
      } else if (type === EVENTTYPE.FD_READ || type === EVENTTYPE.FD_WRITE) {
        const fd = view.getUint32(sub + 16, true);
        fds.push({ userdata, type, state: this.#fs.pollFd(fd, type === EVENTTYPE.FD_READ) });
      } else {
        throw new WasiError(ERRNO.INVAL);
      }
    }
    const earliest = clocks.reduce((min, c) => (min === null || c.deadline < min ? c.deadline : min), null);
    // Sockets wait together, in one call to the thread that owns them; mixed
    // with other streams they wait in slices of 10 ms, taking turns.
    const sockets = fds.filter((f) => f.state.socket);
    for (;;) {
      if (fds.some((f) => f.state.ready())) break;
      const left = earliest === null ? Infinity : Number(earliest - process.hrtime.bigint()) / 1e6;
      if (left <= 0) break;
      if (sockets.length) {
        const ready = this.#fs.pollSockets(sockets.map((f) => f.state.socket), sockets.length < fds.length ? Math.min(left, 10) : left);
        for (const i of ready) sockets[i].state.mark();
        if (ready.length || sockets.length === fds.length) continue;
      }
      const waiting = fds.find((f) => !f.state.socket && !f.state.ready());
      if (waiting) waiting.state.wait(sockets.length ? Math.min(left, 10) : left); // ends early when data arrives
      else sleep(left);
    }
    const time = process.hrtime.bigint();
    const ready = fds.filter((f) => f.state.ready()).map((f) => ({ userdata: f.userdata, type: f.type, error: f.state.error, nbytes: f.state.nbytes }));
    const out = [...ready, ...clocks.filter((c) => c.deadline <= time)];
    this.#memory.bytes.fill(0, events, events + out.length * EVENT_SIZE);
    out.forEach((event, i) => {
      const at = events + i * EVENT_SIZE;
      view.setBigUint64(at, event.userdata, true);
      view.setUint16(at + 8, event.error, true);
      view.setUint8(at + 10, event.type);
      view.setBigUint64(at + 16, event.nbytes, true);
    });
    view.setUint32(countPtr, out.length, true);
  }
}
