// The JS half of the Promise bridge (bridge.c has the C half): values in and
// out of wasm memory, the JS functions C may call, and the promises of C
// functions JS runs. A wa_js_value is 24 bytes: type (i32) at 0, number
// (f64) at 8, data (pointer) at 16, len at 20.

const UNDEFINED = 0, NUMBER = 1, STRING = 2, BYTES = 3;
const VALUE_SIZE = 24;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

// The name C error codes go by, for the errors of rejected calls.
const CODE_NAMES = { '-1': 'ECANCELLED', '-2': 'ETIMEDOUT', '-3': 'ESTATE', '-7': 'ENOMEM', '-8': 'EINVAL', '-9': 'EIO', '-14': 'EJS' };

/** A JS value as what crosses: { type, number, bytes }. */
function toWire(v) {
  if (v === undefined || v === null) return { type: UNDEFINED, number: 0 };
  if (typeof v === 'number') return { type: NUMBER, number: v };
  if (typeof v === 'boolean') return { type: NUMBER, number: v ? 1 : 0 };
  if (typeof v === 'bigint') return { type: NUMBER, number: Number(v) };
  if (typeof v === 'string') return { type: STRING, number: 0, bytes: encoder.encode(v) };
  if (v instanceof ArrayBuffer) return { type: BYTES, number: 0, bytes: new Uint8Array(v) };
  if (ArrayBuffer.isView(v)) return { type: BYTES, number: 0, bytes: new Uint8Array(v.buffer, v.byteOffset, v.byteLength) };
  return { type: STRING, number: 0, bytes: encoder.encode(JSON.stringify(v)) };
}

/** Installs the bridge on an instantiated module. imports: the functions C
 *  may call by name with wa_js_call. Returns run(name, args, signal). */
export function installBridge(mod, imports = {}) {
  const handles = new Map(); // wa_js_handle -> what a JS function returned
  let nextHandle = 1;
  const calls = new Map();   // call id -> { resolve, reject, signal, onAbort }
  let nextCall = 1;
  const view = () => new DataView(mod.HEAPU8.buffer); // memory may have grown since
  const bytesAt = (p, n) => mod.HEAPU8.slice(p, p + n); // a copy: shared memory cannot be decoded in place

  function stringAt(p) {
    let end = p;
    while (mod.HEAPU8[end]) end++;
    return decoder.decode(bytesAt(p, end - p));
  }

  function readValue(p) {
    const dv = view();
    const type = dv.getInt32(p, true);
    const data = dv.getUint32(p + 16, true), len = dv.getUint32(p + 20, true);
    if (type === NUMBER) return dv.getFloat64(p + 8, true);
    if (type === STRING) return decoder.decode(bytesAt(data, len));
    if (type === BYTES) return bytesAt(data, len);
    return undefined;
  }

  // Copies bytes into a new malloc'd block (with a NUL after strings); C frees it.
  function copyIn(wire) {
    if (!wire.bytes) return 0;
    const p = mod._malloc(wire.bytes.length + 1);
    if (!p) throw new Error('wasyncio: out of wasm memory');
    mod.HEAPU8.set(wire.bytes, p);
    mod.HEAPU8[p + wire.bytes.length] = 0;
    return p;
  }

  function writeValue(p, v) {
    const wire = toWire(v);
    const data = copyIn(wire);
    const dv = view();
    dv.setInt32(p, wire.type, true);
    dv.setFloat64(p + 8, wire.number, true);
    dv.setUint32(p + 16, data, true);
    dv.setUint32(p + 20, wire.bytes ? wire.bytes.length : 0, true);
  }

  function settle(token, ok, v) {
    const wire = toWire(v);
    mod._wa__js_settle(token, ok, wire.type, wire.number, copyIn(wire), wire.bytes ? wire.bytes.length : 0);
    mod.wasyncioWake();
  }

  mod.wasyncioBridge = {
    call(namePtr, args, nargs) {
      const fn = imports[stringAt(namePtr)];
      if (typeof fn !== 'function') return 0;
      const values = [];
      for (let i = 0; i < nargs; i++) values.push(readValue(args + i * VALUE_SIZE));
      let result;
      try {
        result = fn(...values);
      } catch (e) {
        result = Promise.reject(e);
      }
      if (result && typeof result.then === 'function') result.then(undefined, () => {}); // C may never await it
      handles.set(nextHandle, result);
      return nextHandle++;
    },
    await(handle, token) {
      const value = handles.get(handle);
      handles.delete(handle);
      Promise.resolve(value).then(
        (v) => settle(token, 1, v),
        (e) => settle(token, 0, e instanceof Error ? e.message : String(e)),
      );
    },
    release(handle) {
      return handles.delete(handle) ? 1 : 0;
    },
    held(handle) {
      return handles.has(handle) ? 1 : 0;
    },
    return(id, code, value, msg) {
      const call = calls.get(id);
      if (!call) return;
      calls.delete(id);
      call.signal?.removeEventListener('abort', call.onAbort);
      if (code === 0) return call.resolve(readValue(value));
      if (code === -1 && call.signal?.aborted) return call.reject(call.signal.reason);
      const error = new Error((msg && stringAt(msg)) || `C function failed with code ${code}`);
      error.code = CODE_NAMES[code] ?? code;
      call.reject(error);
    },
  };

  /** Runs the C function exported as name (WA_JS_EXPORT) as a task of the
   *  serving loop; an AbortSignal cancels it. Resolves with its result. */
  return function run(name, args, signal) {
    const exported = mod[`_wa_js_export_${name}`];
    if (!exported) return Promise.reject(new Error(`no C function "${name}" is exported: add WA_JS_EXPORT(${name}) to the C source`));
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const argv = mod._malloc(VALUE_SIZE * Math.max(args.length, 1));
      args.forEach((a, i) => writeValue(argv + i * VALUE_SIZE, a));
      const id = nextCall++;
      const task = mod._wa__js_spawn(exported(), argv, args.length, id);
      if (!task) {
        for (let i = 0; i < args.length; i++) mod._free(view().getUint32(argv + i * VALUE_SIZE + 16, true));
        mod._free(argv);
        reject(new Error(`cannot start "${name}": the module is not serving calls, or is out of memory`));
        return;
      }
      const onAbort = () => {
        mod._wa__js_cancel(task);
        mod.wasyncioWake();
      };
      calls.set(id, { resolve, reject, signal, onAbort });
      signal?.addEventListener('abort', onAbort, { once: true });
      mod.wasyncioWake();
    });
  };
}
