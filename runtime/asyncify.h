/* Binaryen's Asyncify primitives, called from inside the module. They are
 * imports until `wasm-opt --asyncify` replaces them with the real functions. */
#ifndef WA_ASYNCIFY_H
#define WA_ASYNCIFY_H

#define WA__ASYNCIFY(name) __attribute__((import_module("asyncify"), import_name(#name)))
WA__ASYNCIFY(start_unwind) void wa__start_unwind(void *data);
WA__ASYNCIFY(stop_unwind) void wa__stop_unwind(void);
WA__ASYNCIFY(start_rewind) void wa__start_rewind(void *data);
WA__ASYNCIFY(stop_rewind) void wa__stop_rewind(void);
#undef WA__ASYNCIFY

#endif
