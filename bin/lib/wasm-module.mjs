// Reads the parts of a WebAssembly binary that the Asyncify analysis needs:
// types, imports, functions with the calls each one makes, the functions
// reachable through tables, exports and the name section. It decodes every
// instruction (MVP, sign extension, bulk memory, reference types, SIMD,
// threads, exceptions), so a call can never hide behind an opcode it skipped.
// It also writes a copy of a module with new function names.

const SECTION = { custom: 0, type: 1, import: 2, function: 3, table: 4, global: 6, export: 7, elem: 9, code: 10 };

class Reader {
  constructor(bytes, pos = 0, end = bytes.length) {
    this.bytes = bytes;
    this.pos = pos;
    this.end = end;
  }
  byte() {
    if (this.pos >= this.end) throw new Error(`truncated module at byte ${this.pos}`);
    return this.bytes[this.pos++];
  }
  u32() {
    let result = 0, shift = 0, b;
    do {
      b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b & 0x80);
    return result;
  }
  sleb() { // any width: only skipped or small values (block types) are read
    let result = 0, shift = 0, b;
    do {
      b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b & 0x80);
    return b & 0x40 ? result - 2 ** shift : result;
  }
  skip(n) {
    this.pos += n;
    if (this.pos > this.end) throw new Error('truncated module');
  }
  name() {
    const n = this.u32();
    const s = new TextDecoder().decode(this.bytes.subarray(this.pos, this.pos + n));
    this.skip(n);
    return s;
  }
}

const VALTYPE = { 0x7f: 'i32', 0x7e: 'i64', 0x7d: 'f32', 0x7c: 'f64', 0x7b: 'v128', 0x70: 'funcref', 0x6f: 'externref' };

function memarg(r) {
  const align = r.u32();
  if (align & 0x40) r.u32(); // multi-memory: a memory index follows
  r.u32();
}

/** Decodes one expression (a function body or an initialiser) up to its final
 *  `end`, calling visit(op, immediate) for calls, indirect calls, ref.func and
 *  global.get; returns nothing. Throws on an opcode it does not know. */
function walkExpression(r, visit) {
  let depth = 1;
  while (depth > 0) {
    const at = r.pos;
    const op = r.byte();
    switch (op) {
      case 0x02: case 0x03: case 0x04: case 0x06: r.sleb(); depth++; break; // block loop if try
      case 0x0b: depth--; break; // end
      case 0x05: case 0x19: break; // else catch_all
      case 0x07: case 0x08: case 0x09: r.u32(); break; // catch throw rethrow
      case 0x18: r.u32(); depth--; break; // delegate ends a try
      case 0x0c: case 0x0d: r.u32(); break; // br br_if
      case 0x0e: for (let n = r.u32(); n >= 0; n--) r.u32(); break; // br_table: labels and default
      case 0x10: case 0x12: visit('call', r.u32(), at); break; // call return_call
      case 0x11: case 0x13: visit('call_indirect', r.u32(), at); r.u32(); break;
      case 0x1c: for (let n = r.u32(); n > 0; n--) r.byte(); break; // select t*
      case 0x23: visit('global.get', r.u32(), at); break;
      case 0x20: case 0x21: case 0x22: case 0x24: case 0x25: case 0x26: r.u32(); break;
      case 0x3f: case 0x40: r.u32(); break; // memory.size memory.grow
      case 0x41: case 0x42: r.sleb(); break;
      case 0x43: r.skip(4); break;
      case 0x44: r.skip(8); break;
      case 0xd0: r.sleb(); break; // ref.null heaptype
      case 0xd2: visit('ref.func', r.u32(), at); break;
      case 0xfc: prefixedFC(r); break;
      case 0xfd: prefixedSimd(r); break;
      case 0xfe: prefixedAtomic(r); break;
      default:
        if ((op >= 0x28 && op <= 0x3e)) memarg(r);
        else if (op === 0x00 || op === 0x01 || op === 0x0f || op === 0x1a || op === 0x1b || op === 0xd1 || (op >= 0x45 && op <= 0xc4)) break;
        else throw new Error(`unknown opcode 0x${op.toString(16)} at byte ${at}`);
    }
  }
}

function prefixedFC(r) {
  const sub = r.u32();
  if (sub <= 7) return; // saturating truncations
  switch (sub) {
    case 8: r.u32(); r.u32(); return; // memory.init data memory
    case 9: case 11: case 13: case 15: case 16: case 17: r.u32(); return;
    case 10: case 12: case 14: r.u32(); r.u32(); return;
    default: throw new Error(`unknown opcode 0xfc ${sub}`);
  }
}

function prefixedSimd(r) {
  const sub = r.u32();
  if (sub <= 11 || sub === 92 || sub === 93) memarg(r); // loads and stores
  else if (sub === 12 || sub === 13) r.skip(16); // v128.const, i8x16.shuffle
  else if (sub >= 21 && sub <= 34) r.byte(); // lane extract/replace
  else if (sub >= 84 && sub <= 91) { memarg(r); r.byte(); } // lane loads and stores
  else if (sub > 0x113) throw new Error(`unknown opcode 0xfd ${sub}`);
}

function prefixedAtomic(r) {
  const sub = r.u32();
  if (sub === 0x03) r.byte(); // atomic.fence
  else if (sub <= 0x02 || (sub >= 0x10 && sub <= 0x4e)) memarg(r);
  else throw new Error(`unknown opcode 0xfe ${sub}`);
}

/**
 * Parses a module. Returns {
 *   types: [signature string],            e.g. "(i32 i32) -> (i32)"
 *   functions: [{ index, name, type, imported, module, field, calls: Set,
 *                 indirect: Set of signatures, globalsRead: Set, body: [start, end] }],
 *   addressable: Set of function indices (in a table or taken by ref.func),
 *   exports: Map name -> function index,
 *   sections: [{ id, start, end, name }]  (start at the id byte; end exclusive)
 * }. Function indices count imports first, as the binary does.
 */
export function parseModule(bytes) {
  const r = new Reader(bytes);
  const magic = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  if (bytes.length < 8 || magic.some((b, i) => bytes[i] !== b)) throw new Error('not a WebAssembly module (version 1)');
  r.pos = 8;
  const types = [];
  const functions = [];
  const addressable = new Set();
  const exports = new Map();
  const sections = [];
  const names = new Map();
  let defined = 0;
  const refs = (op, idx) => op === 'ref.func' && addressable.add(idx);
  while (r.pos < bytes.length) {
    const start = r.pos;
    const id = r.byte();
    const size = r.u32();
    const s = new Reader(bytes, r.pos, r.pos + size);
    r.skip(size);
    const section = { id, start, end: r.pos };
    sections.push(section);
    if (id === SECTION.custom) {
      section.name = s.name();
      if (section.name === 'name') readNames(s, names);
    } else if (id === SECTION.type) {
      for (let n = s.u32(); n > 0; n--) {
        const form = s.byte();
        if (form !== 0x60) throw new Error(`unsupported type form 0x${form.toString(16)}`);
        const list = () => Array.from({ length: s.u32() }, () => VALTYPE[s.byte()] ?? '?');
        const params = list();
        types.push(`(${params.join(' ')}) -> (${list().join(' ')})`);
      }
    } else if (id === SECTION.import) {
      for (let n = s.u32(); n > 0; n--) {
        const module = s.name(), field = s.name(), kind = s.byte();
        if (kind === 0) functions.push({ index: functions.length, type: types[s.u32()], imported: true, module, field, calls: new Set(), indirect: new Set(), globalsRead: new Set() });
        else if (kind === 1) { s.byte(); limits(s); } // table
        else if (kind === 2) limits(s); // memory
        else if (kind === 3) { s.byte(); s.byte(); } // global
        else if (kind === 4) { s.byte(); s.u32(); } // tag
        else throw new Error(`unknown import kind ${kind}`);
      }
    } else if (id === SECTION.function) {
      for (let n = s.u32(); n > 0; n--) functions.push({ index: functions.length, type: types[s.u32()], imported: false, calls: new Set(), indirect: new Set(), globalsRead: new Set() });
    } else if (id === SECTION.global) {
      for (let n = s.u32(); n > 0; n--) {
        s.byte(); s.byte();
        walkExpression(s, refs);
      }
    } else if (id === SECTION.export) {
      for (let n = s.u32(); n > 0; n--) {
        const name = s.name(), kind = s.byte(), idx = s.u32();
        if (kind === 0) exports.set(name, idx);
      }
    } else if (id === SECTION.elem) {
      readElements(s, addressable, refs);
    } else if (id === SECTION.code) {
      const first = functions.findIndex((f) => !f.imported);
      for (let n = s.u32(), i = 0; i < n; i++) {
        const len = s.u32();
        const f = functions[first + i];
        const body = new Reader(bytes, s.pos, s.pos + len);
        s.skip(len);
        f.body = [body.pos, body.end];
        for (let groups = body.u32(); groups > 0; groups--) { body.u32(); body.byte(); } // locals
        walkExpression(body, (op, idx) => {
          if (op === 'call') f.calls.add(idx);
          else if (op === 'call_indirect') f.indirect.add(types[idx]);
          else if (op === 'global.get') f.globalsRead.add(idx);
          else addressable.add(idx);
        });
        defined++;
      }
    }
  }
  for (const f of functions) f.name = names.get(f.index) ?? (f.imported ? `${f.module}.${f.field}` : `function ${f.index}`);
  return { types, functions, addressable, exports, sections, defined };
}

function limits(s) {
  const flags = s.byte();
  s.u32();
  if (flags & 1) s.u32();
}

function readNames(s, names) {
  while (s.pos < s.end) {
    const id = s.byte();
    const size = s.u32();
    const end = s.pos + size;
    if (id === 1) for (let n = s.u32(); n > 0; n--) names.set(s.u32(), s.name());
    s.pos = end;
  }
}

function readElements(s, addressable, refs) {
  for (let n = s.u32(); n > 0; n--) {
    const flags = s.u32();
    if (flags & 2 && !(flags & 1)) s.u32(); // explicit table index (2, 6)
    if (!(flags & 1)) walkExpression(s, refs); // active: an offset
    if (flags & 4) { // initialisers are expressions
      if (flags & 3) s.byte(); // reference type
      for (let m = s.u32(); m > 0; m--) walkExpression(s, refs);
    } else {
      if (flags & 3) s.byte(); // element kind
      for (let m = s.u32(); m > 0; m--) addressable.add(s.u32());
    }
  }
}

function leb(n) {
  const out = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

function encodeName(text) {
  const b = new TextEncoder().encode(text);
  return [...leb(b.length), ...b];
}

/** Returns a copy of the module whose name section names every function as
 *  names[index] says (and holds nothing else). */
export function renameFunctions(bytes, module, names) {
  const entries = [...leb(names.length)];
  names.forEach((name, i) => entries.push(...leb(i), ...encodeName(name)));
  const sub = [1, ...leb(entries.length), ...entries];
  const payload = [...encodeName('name'), ...sub];
  const section = Uint8Array.from([0, ...leb(payload.length), ...payload]);
  const kept = module.sections.filter((s) => !(s.id === 0 && s.name === 'name'));
  const parts = [bytes.subarray(0, 8), ...kept.map((s) => bytes.subarray(s.start, s.end)), section];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export { Reader };
