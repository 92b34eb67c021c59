// The file-system half of WasiHost (wasi.mjs): the descriptor table and the fd_* and
// path_* calls of WASI preview1 on node's synchronous fs API, plus the errnos and
// sleep() both halves use. Guest paths resolve inside a preopened directory and may
// not leave it, by `..` or by symlinks. A call returns nothing on success, throws on failure.
import fs from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { isatty } from 'node:tty';
import { AGAIN, RESET } from './sockets.mjs';
import { StreamPump } from './stream-pump.mjs';

// WASI errno names in witx order, so a name's index is its value. Node's err.code uses
// the same POSIX names with an E in front, which makes translating node errors a lookup.
const ERRNO_NAMES = (
  'SUCCESS 2BIG ACCES ADDRINUSE ADDRNOTAVAIL AFNOSUPPORT AGAIN ALREADY BADF BADMSG BUSY ' +
  'CANCELED CHILD CONNABORTED CONNREFUSED CONNRESET DEADLK DESTADDRREQ DOM DQUOT EXIST ' +
  'FAULT FBIG HOSTUNREACH IDRM ILSEQ INPROGRESS INTR INVAL IO ISCONN ISDIR LOOP MFILE ' +
  'MLINK MSGSIZE MULTIHOP NAMETOOLONG NETDOWN NETRESET NETUNREACH NFILE NOBUFS NODEV ' +
  'NOENT NOEXEC NOLCK NOLINK NOMEM NOMSG NOPROTOOPT NOSPC NOSYS NOTCONN NOTDIR NOTEMPTY ' +
  'NOTRECOVERABLE NOTSOCK NOTSUP NOTTY NXIO OVERFLOW OWNERDEAD PERM PIPE PROTO ' +
  'PROTONOSUPPORT PROTOTYPE RANGE ROFS SPIPE SRCH STALE TIMEDOUT TXTBSY XDEV NOTCAPABLE'
).split(' ');
export const ERRNO = Object.fromEntries(ERRNO_NAMES.map((name, value) => [name, value]));

/** A WASI call failed with `errno`; WasiHost returns it to the guest. */
export class WasiError extends Error {
  constructor(errno) {
    super(`WASI errno ${ERRNO_NAMES[errno]}`);
    this.errno = errno;
  }
}

const sleepCell = new Int32Array(new SharedArrayBuffer(4));

/** Blocks the thread for `ms` milliseconds: nothing ever notifies the cell. */
export function sleep(ms) {
  Atomics.wait(sleepCell, 0, 0, ms);
}

// Stdio may be non-blocking (node makes pipes so once it touches them), while the guest
// expects blocking reads and writes: EAGAIN waits a moment and tries again.
function blocking(io) {
  for (;;) {
    try {
      return io();
    } catch (err) {
      if (err.code !== 'EAGAIN') throw err;
      sleep(1);
    }
  }
}

const SDFLAGS_WR = 2;
const FILETYPE = { UNKNOWN: 0, BLOCK: 1, CHAR: 2, DIR: 3, FILE: 4, SOCKET_STREAM: 6, SYMLINK: 7 };

// For an fs.Stats or fs.Dirent. A pipe has no WASI type of its own: UNKNOWN, as in wasmtime.
function filetype(s) {
  if (s.isFile()) return FILETYPE.FILE;
  if (s.isDirectory()) return FILETYPE.DIR;
  if (s.isSymbolicLink()) return FILETYPE.SYMLINK;
  if (s.isCharacterDevice()) return FILETYPE.CHAR;
  if (s.isBlockDevice()) return FILETYPE.BLOCK;
  if (s.isSocket()) return FILETYPE.SOCKET_STREAM;
  return FILETYPE.UNKNOWN;
}

const RIGHTS = {
  FD_READ: 1n << 1n,
  FD_SEEK: 1n << 2n,
  FD_TELL: 1n << 5n,
  FD_WRITE: 1n << 6n,
  ALL: (1n << 30n) - 1n, // the 30 rights of preview1
};
const FDFLAGS_APPEND = 1;
const OFLAGS = { CREAT: 1, DIRECTORY: 2, EXCL: 4, TRUNC: 8 };
const LOOKUP_SYMLINK_FOLLOW = 1;
const WHENCE = { SET: 0, CUR: 1, END: 2 };

// A u64 file offset or size as a JS number. It arrives as a signed BigInt, so one
// of 2^63 or more is negative: no file is that large either way.
function offset(value) {
  if (value < 0n || value > BigInt(Number.MAX_SAFE_INTEGER)) throw new WasiError(ERRNO.INVAL);
  return Number(value);
}

// What is left of `buffers` once their first n bytes are written.
function unwritten(buffers, n) {
  const rest = [...buffers];
  while (rest.length > 0 && n >= rest[0].length) n -= rest.shift().length;
  if (rest.length > 0) rest[0] = rest[0].subarray(n);
  return rest;
}

// Whether host path `p` lies in directory `root` (or is it).
function within(root, p) {
  const rel = relative(root, p);
  return rel !== '..' && !rel.startsWith('../');
}

// realpath for a path that may not exist yet: the existing part is resolved, symlinks
// included (even dangling ones, which O_CREAT would follow), and the rest appended.
function realPath(p, hops = 0) {
  try {
    return fs.realpathSync(p);
  } catch (err) {
    if (err.code !== 'ENOENT') throw err;
  }
  if (hops > 40) throw new WasiError(ERRNO.LOOP);
  const real = join(realPath(dirname(p), hops), basename(p));
  const link = fs.lstatSync(real, { throwIfNoEntry: false });
  return link?.isSymbolicLink() ? realPath(resolve(dirname(real), fs.readlinkSync(real)), hops + 1) : real;
}

// A directory's entries for fd_readdir, "." and ".." first as wasmtime lists them.
function listDir(path) {
  const names = ['.', '..', ...fs.readdirSync(path, { encoding: 'buffer' })];
  const entries = [];
  for (const name of names) {
    const stat = fs.lstatSync(Buffer.concat([Buffer.from(`${path}/`), Buffer.from(name)]), {
      bigint: true,
      throwIfNoEntry: false, // removed since readdir: leave it out
    });
    if (stat) entries.push({ name: Buffer.from(name), ino: stat.ino, type: filetype(stat) });
  }
  return entries;
}

// Descriptor table entries are { kind, ... }:
//   stream  stdio, host fd `fd`; reads and writes use the host's own position; once a
//           read is polled, `pump` reads it ahead in a worker and reads come from it
//   file    opened by path_open: host fd `fd`, our position `pos` (node has no lseek), `append`, `rights`
//   dir     host `path` (real), `root` of its preopen, `preopen` (guest name) if it is one
export class FileSystem {
  #fds = new Map();
  #memory;

  #sockets;

  /** stdio: host fds for 0, 1, 2; preopens: { guest path: host dir }; memory: a
   *  GuestMemory; sockets: a SocketHost (sockets.mjs) and listeners: the ids of
   *  its listening sockets, preopened after the directories (libc stops looking
   *  for preopened directories at the first descriptor that is not one). */
  constructor({ stdio, preopens, memory, sockets = null, listeners = [] }) {
    this.#memory = memory;
    this.#sockets = sockets;
    stdio.forEach((fd, i) => this.#fds.set(i, { kind: 'stream', fd }));
    for (const [guest, host] of Object.entries(preopens)) {
      const path = fs.realpathSync(host);
      this.#add({ kind: 'dir', path, root: path, preopen: Buffer.from(guest) });
    }
    for (const id of listeners) this.#add({ kind: 'socket', id, listening: true });
  }

  /** Waits up to ms for one of [id, writing] to be ready; the indices of the ready ones. */
  pollSockets(items, ms) {
    return this.#sockets.poll(items, ms);
  }

  /** Closes the host fds the guest opened and left open. */
  closeAll() {
    for (const [fd, entry] of this.#fds) {
      if (entry.kind === 'file') fs.closeSync(entry.fd);
      if (entry.kind === 'socket') this.#sockets.close(entry.id);
      this.#fds.delete(fd);
    }
  }

  /** poll_oneoff's view of fd: { error, nbytes, ready(), wait(ms) }. Files and writes are
   *  always ready; reading a stream is ready when its pump holds data or saw its end. */
  pollFd(fd, reading) {
    const entry = this.#fds.get(fd);
    const always = { ready: () => true, wait: () => {} };
    if (!entry) return { error: ERRNO.BADF, nbytes: 0n, ...always };
    if (entry.kind === 'socket') {
      let marked = false;                // by the poll that found it ready
      return { error: ERRNO.SUCCESS, nbytes: 0n, socket: [entry.id, !reading], ready: () => marked, mark: () => (marked = true), wait: () => {} };
    }
    if (!reading || entry.kind === 'dir') return { error: ERRNO.SUCCESS, nbytes: 0n, ...always };
    if (entry.kind === 'file') {
      return { error: ERRNO.SUCCESS, nbytes: BigInt(Math.max(0, fs.fstatSync(entry.fd).size - entry.pos)), ...always };
    }
    const pump = (entry.pump ??= new StreamPump(entry.fd));
    return {
      error: ERRNO.SUCCESS,
      get nbytes() { return BigInt(pump.available()); },
      ready: () => pump.ready(),
      wait: (ms) => pump.wait(ms),
    };
  }

  // The lowest free number, as POSIX open() picks.
  #add(entry) {
    let fd = 0;
    while (this.#fds.has(fd)) fd++;
    this.#fds.set(fd, entry);
    return fd;
  }

  #get(fd) {
    const entry = this.#fds.get(fd);
    if (!entry) throw new WasiError(ERRNO.BADF);
    return entry;
  }

  #dir(fd) {
    const entry = this.#get(fd);
    if (entry.kind !== 'dir') throw new WasiError(ERRNO.NOTDIR);
    return entry;
  }

  // An entry with a host fd to read or write.
  #io(fd) {
    const entry = this.#get(fd);
    if (entry.kind === 'dir') throw new WasiError(ERRNO.ISDIR);
    if (entry.kind === 'socket') throw new WasiError(ERRNO.NOTSUP);  // sock_recv and sock_send
    return entry;
  }

  // A connected socket's entry.
  #connection(fd) {
    const entry = this.#get(fd);
    if (entry.kind !== 'socket') throw new WasiError(ERRNO.NOTSOCK);
    if (entry.listening) throw new WasiError(ERRNO.NOTCONN);
    return entry;
  }

  // A socket call's answer as an errno (AGAIN, RESET and GONE are sockets.mjs's).
  static #socketErrno(n) {
    return n === AGAIN ? ERRNO.AGAIN : n === RESET ? ERRNO.CONNRESET : ERRNO.BADF;
  }

  sock_accept(fd, flags, fdPtr) {
    const entry = this.#get(fd);
    if (entry.kind !== 'socket') throw new WasiError(ERRNO.NOTSOCK);
    if (!entry.listening) throw new WasiError(ERRNO.INVAL);
    const id = this.#sockets.accept(entry.id);
    if (id < 0) throw new WasiError(FileSystem.#socketErrno(id));
    this.#memory.view.setUint32(fdPtr, this.#add({ kind: 'socket', id }), true);
  }

  sock_recv(fd, iovs, count, flags, nreadPtr, roflagsPtr) {
    const entry = this.#connection(fd);
    let total = 0;
    for (const buffer of this.#iovecs(iovs, count)) {
      if (!buffer.length) continue;
      const n = this.#sockets.recv(entry.id, buffer);
      if (n < 0 && total === 0) throw new WasiError(FileSystem.#socketErrno(n));
      if (n <= 0) break;
      total += n;
      if (n < buffer.length) break;
    }
    this.#memory.view.setUint32(nreadPtr, total, true);
    this.#memory.view.setUint16(roflagsPtr, 0, true);
  }

  sock_send(fd, iovs, count, flags, nwrittenPtr) {
    const entry = this.#connection(fd);
    let total = 0;
    for (const buffer of this.#iovecs(iovs, count)) {
      for (let off = 0; off < buffer.length;) {
        const n = this.#sockets.send(entry.id, buffer.subarray(off));
        if (n < 0) {
          if (total === 0) throw new WasiError(FileSystem.#socketErrno(n));
          this.#memory.view.setUint32(nwrittenPtr, total, true);
          return;
        }
        off += n;
        total += n;
      }
    }
    this.#memory.view.setUint32(nwrittenPtr, total, true);
  }

  sock_shutdown(fd, how) {
    const entry = this.#connection(fd);
    if (how & SDFLAGS_WR) this.#sockets.shutdown(entry.id);
  }

  // An entry that can seek: stdio cannot, as node offers no lseek on fds it did not open.
  #seekable(fd) {
    const entry = this.#io(fd);
    if (entry.kind !== 'file') throw new WasiError(ERRNO.SPIPE);
    return entry;
  }

  #string(ptr, len) {
    const s = Buffer.from(this.#slice(ptr, len)).toString();
    if (s.includes('\0')) throw new WasiError(ERRNO.INVAL);
    return s;
  }

  // The host path for a guest path relative to directory entry `dir`, kept inside its
  // preopen both as written (`..`) and as the host resolves it (symlinks). With
  // follow, a final symlink is resolved too; without, the result names the link itself.
  #resolve(dir, ptr, len, follow) {
    const path = this.#string(ptr, len);
    if (path === '') throw new WasiError(ERRNO.NOENT);
    if (path.startsWith('/')) throw new WasiError(ERRNO.NOTCAPABLE);
    const full = resolve(dir.path, path);
    if (!within(dir.root, full)) throw new WasiError(ERRNO.NOTCAPABLE);
    const real = follow || full === dir.root ? realPath(full) : join(realPath(dirname(full)), basename(full));
    if (!within(dir.root, real)) throw new WasiError(ERRNO.NOTCAPABLE);
    return real;
  }

  // The guest's bytes [ptr, ptr + len), which must lie in its memory.
  #slice(ptr, len) {
    const bytes = this.#memory.bytes;
    if (ptr + len > bytes.length) throw new WasiError(ERRNO.FAULT);
    return bytes.subarray(ptr, ptr + len);
  }

  // The buffers of `count` (c)iovecs at `iovs`.
  #iovecs(iovs, count) {
    const view = this.#memory.view;
    const buffers = [];
    for (let iov = iovs; iov < iovs + 8 * count; iov += 8) {
      buffers.push(this.#slice(view.getUint32(iov, true), view.getUint32(iov + 4, true)));
    }
    return buffers;
  }

  // One readv, one writev: line-buffered stdio hands over a line as two iovecs.
  // position null: the host fd's own position. libuv refuses a readv of no buffers.
  #readv(entry, iovs, count, position) {
    const buffers = this.#iovecs(iovs, count);
    if (buffers.length === 0) return 0;
    if (entry.pump) return entry.pump.read(buffers);
    return blocking(() => fs.readvSync(entry.fd, buffers, position));
  }

  // A short write goes on with the rest, so callers never see one.
  #writev(entry, iovs, count, position) {
    let buffers = this.#iovecs(iovs, count);
    const total = buffers.reduce((sum, buffer) => sum + buffer.length, 0);
    for (let done = 0; done < total; ) {
      const n = blocking(() => fs.writevSync(entry.fd, buffers, position === null ? null : position + done));
      done += n;
      buffers = unwritten(buffers, n);
    }
    return total;
  }

  fd_read(fd, iovs, count, nreadPtr) {
    const entry = this.#io(fd);
    const n = this.#readv(entry, iovs, count, entry.kind === 'file' ? entry.pos : null);
    if (entry.kind === 'file') entry.pos += n;
    this.#memory.view.setUint32(nreadPtr, n, true);
  }

  fd_pread(fd, iovs, count, at, nreadPtr) {
    this.#memory.view.setUint32(nreadPtr, this.#readv(this.#seekable(fd), iovs, count, offset(at)), true);
  }

  fd_write(fd, iovs, count, nwrittenPtr) {
    const entry = this.#io(fd);
    if (entry.kind === 'file' && entry.append) entry.pos = fs.fstatSync(entry.fd).size;
    const n = this.#writev(entry, iovs, count, entry.kind === 'file' ? entry.pos : null);
    if (entry.kind === 'file') entry.pos += n;
    this.#memory.view.setUint32(nwrittenPtr, n, true);
  }

  fd_pwrite(fd, iovs, count, at, nwrittenPtr) {
    this.#memory.view.setUint32(nwrittenPtr, this.#writev(this.#seekable(fd), iovs, count, offset(at)), true);
  }

  fd_seek(fd, delta, whence, newOffsetPtr) {
    const entry = this.#seekable(fd);
    let base;
    if (whence === WHENCE.SET) base = 0;
    else if (whence === WHENCE.CUR) base = entry.pos;
    else if (whence === WHENCE.END) base = fs.fstatSync(entry.fd).size;
    else throw new WasiError(ERRNO.INVAL);
    const pos = base + Number(delta);
    if (pos < 0) throw new WasiError(ERRNO.INVAL);
    entry.pos = pos;
    this.#memory.view.setBigUint64(newOffsetPtr, BigInt(pos), true);
  }

  fd_tell(fd, offsetPtr) {
    this.#memory.view.setBigUint64(offsetPtr, BigInt(this.#seekable(fd).pos), true);
  }

  fd_close(fd) {
    const entry = this.#get(fd);
    if (entry.kind === 'file') fs.closeSync(entry.fd);
    if (entry.kind === 'socket') this.#sockets.close(entry.id);
    this.#fds.delete(fd);
  }

  fd_sync(fd) {
    const entry = this.#get(fd);
    if (entry.kind === 'socket') throw new WasiError(ERRNO.INVAL);
    if (entry.kind !== 'dir') fs.fsyncSync(entry.fd);
  }

  fd_datasync(fd) {
    const entry = this.#get(fd);
    if (entry.kind === 'socket') throw new WasiError(ERRNO.INVAL);
    if (entry.kind !== 'dir') fs.fdatasyncSync(entry.fd);
  }

  // Rights only matter to wasi-libc: a directory's inheriting rights bound what it asks
  // path_open for, and its isatty() is "a character device without seek/tell rights",
  // which must hold for a terminal (line-buffered stdout) but not for /dev/null.
  fd_fdstat_get(fd, ptr) {
    const entry = this.#get(fd);
    const view = this.#memory.view;
    const type = entry.kind === 'dir' ? FILETYPE.DIR : entry.kind === 'socket' ? FILETYPE.SOCKET_STREAM : filetype(fs.fstatSync(entry.fd));
    let rights = RIGHTS.ALL;
    if (entry.kind === 'file') rights = entry.rights;
    if (entry.kind === 'stream' && isatty(entry.fd)) rights &= ~(RIGHTS.FD_SEEK | RIGHTS.FD_TELL);
    view.setUint8(ptr, type);
    view.setUint16(ptr + 2, entry.kind === 'file' && entry.append ? FDFLAGS_APPEND : 0, true);
    view.setBigUint64(ptr + 8, rights, true);
    view.setBigUint64(ptr + 16, entry.kind === 'dir' ? RIGHTS.ALL : 0n, true);
  }

  // Only append is honoured; the other flags (nonblock, sync...) are accepted and ignored.
  fd_fdstat_set_flags(fd, flags) {
    const entry = this.#get(fd);
    if (entry.kind === 'file') entry.append = (flags & FDFLAGS_APPEND) !== 0;
  }

  fd_filestat_get(fd, ptr) {
    const entry = this.#get(fd);
    if (entry.kind === 'socket') throw new WasiError(ERRNO.NOTSUP);
    const bigint = { bigint: true };
    const stat = entry.kind === 'dir' ? fs.statSync(entry.path, bigint) : fs.fstatSync(entry.fd, bigint);
    this.#writeFilestat(ptr, stat);
  }

  fd_filestat_set_size(fd, size) {
    fs.ftruncateSync(this.#io(fd).fd, offset(size));
  }

  fd_prestat_get(fd, ptr) {
    const { preopen } = this.#get(fd);
    if (!preopen) throw new WasiError(ERRNO.BADF);
    const view = this.#memory.view;
    view.setUint8(ptr, 0); // preopentype dir
    view.setUint32(ptr + 4, preopen.length, true);
  }

  fd_prestat_dir_name(fd, ptr, len) {
    const { preopen } = this.#get(fd);
    if (!preopen) throw new WasiError(ERRNO.BADF);
    if (len < preopen.length) throw new WasiError(ERRNO.NAMETOOLONG);
    this.#memory.bytes.set(preopen, ptr);
  }

  // Packs dirents from `cookie` (an index into the listing, taken afresh at 0) until
  // the buffer is full; the last one may be cut off, which tells the guest to come back.
  fd_readdir(fd, buf, len, cookie, usedPtr) {
    const dir = this.#dir(fd);
    if (cookie === 0n || !dir.listing) dir.listing = listDir(dir.path);
    const bytes = this.#memory.bytes;
    let used = 0;
    for (let i = offset(cookie); i < dir.listing.length && used < len; i++) {
      const { name, ino, type } = dir.listing[i];
      const dirent = Buffer.alloc(24 + name.length);
      dirent.writeBigUInt64LE(BigInt(i + 1), 0); // d_next: the cookie of the entry after
      dirent.writeBigUInt64LE(ino, 8);
      dirent.writeUInt32LE(name.length, 16);
      dirent.writeUInt8(type, 20);
      name.copy(dirent, 24);
      const n = Math.min(dirent.length, len - used);
      bytes.set(dirent.subarray(0, n), buf + used);
      used += n;
    }
    this.#memory.view.setUint32(usedPtr, used, true);
  }

  path_open(fd, lookupFlags, ptr, len, oflags, rightsBase, rightsInheriting, fdflags, fdPtr) {
    const dir = this.#dir(fd);
    const follow = (lookupFlags & LOOKUP_SYMLINK_FOLLOW) !== 0;
    const path = this.#resolve(dir, ptr, len, follow);
    const read = (rightsBase & RIGHTS.FD_READ) !== 0n;
    const write = (rightsBase & RIGHTS.FD_WRITE) !== 0n;
    const stat = fs.lstatSync(path, { throwIfNoEntry: false }); // path is real when following
    let entry;
    if (stat?.isDirectory() || oflags & OFLAGS.DIRECTORY) {
      // Directories are kept by path: node has no *at() calls to use a host fd with.
      if (!stat) throw new WasiError(ERRNO.NOENT);
      if (!stat.isDirectory()) throw new WasiError(ERRNO.NOTDIR);
      if (oflags & OFLAGS.CREAT && oflags & OFLAGS.EXCL) throw new WasiError(ERRNO.EXIST);
      if (write || oflags & (OFLAGS.CREAT | OFLAGS.TRUNC)) throw new WasiError(ERRNO.ISDIR);
      entry = { kind: 'dir', path, root: dir.root };
    } else {
      const c = fs.constants;
      let flags = write ? (read ? c.O_RDWR : c.O_WRONLY) : c.O_RDONLY;
      if (oflags & OFLAGS.CREAT) flags |= c.O_CREAT;
      if (oflags & OFLAGS.EXCL) flags |= c.O_EXCL;
      if (oflags & OFLAGS.TRUNC) flags |= c.O_TRUNC;
      if (!follow) flags |= c.O_NOFOLLOW;
      // Appends are done by position (see fd_write), so that fd_fdstat_set_flags can turn them on.
      const append = (fdflags & FDFLAGS_APPEND) !== 0;
      const hostFd = fs.openSync(path, flags, 0o666);
      entry = { kind: 'file', fd: hostFd, pos: 0, append, rights: rightsBase & RIGHTS.ALL };
    }
    this.#memory.view.setUint32(fdPtr, this.#add(entry), true);
  }

  path_filestat_get(fd, lookupFlags, ptr, len, statPtr) {
    const path = this.#resolve(this.#dir(fd), ptr, len, (lookupFlags & LOOKUP_SYMLINK_FOLLOW) !== 0);
    this.#writeFilestat(statPtr, fs.lstatSync(path, { bigint: true }));
  }

  path_create_directory(fd, ptr, len) {
    fs.mkdirSync(this.#resolve(this.#dir(fd), ptr, len, false));
  }

  path_remove_directory(fd, ptr, len) {
    fs.rmdirSync(this.#resolve(this.#dir(fd), ptr, len, false));
  }

  path_unlink_file(fd, ptr, len) {
    fs.unlinkSync(this.#resolve(this.#dir(fd), ptr, len, false));
  }

  path_rename(fd, oldPtr, oldLen, newFd, newPtr, newLen) {
    const from = this.#resolve(this.#dir(fd), oldPtr, oldLen, false);
    fs.renameSync(from, this.#resolve(this.#dir(newFd), newPtr, newLen, false));
  }

  path_readlink(fd, ptr, len, buf, bufLen, usedPtr) {
    const target = fs.readlinkSync(this.#resolve(this.#dir(fd), ptr, len, false), { encoding: 'buffer' });
    const n = Math.min(target.length, bufLen);
    this.#memory.bytes.set(target.subarray(0, n), buf);
    this.#memory.view.setUint32(usedPtr, n, true);
  }

  // A relative target that leads out is caught when the link is used; an absolute one
  // would name a host path, so it is refused here.
  path_symlink(targetPtr, targetLen, fd, ptr, len) {
    const target = this.#string(targetPtr, targetLen);
    if (target.startsWith('/')) throw new WasiError(ERRNO.NOTCAPABLE);
    fs.symlinkSync(target, this.#resolve(this.#dir(fd), ptr, len, false));
  }

  #writeFilestat(ptr, stat) {
    const view = this.#memory.view;
    view.setBigUint64(ptr, stat.dev, true);
    view.setBigUint64(ptr + 8, stat.ino, true);
    view.setBigUint64(ptr + 16, 0n, true); // filetype (1 byte) and padding
    view.setUint8(ptr + 16, filetype(stat));
    view.setBigUint64(ptr + 24, stat.nlink, true);
    view.setBigUint64(ptr + 32, stat.size, true);
    view.setBigUint64(ptr + 40, stat.atimeNs, true);
    view.setBigUint64(ptr + 48, stat.mtimeNs, true);
    view.setBigUint64(ptr + 56, stat.ctimeNs, true);
  }
}
