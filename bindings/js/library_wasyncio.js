// Functions the C runtime imports from JS (emscripten --js-library). The
// bridge's and fetch's are trampolines into bridge.mjs and fetch.mjs, which
// the driver installs as Module.wasyncioBridge and Module.wasyncioFetch.
mergeInto(LibraryManager.library, {
  // $ENV comes along so the driver can always fill the C environment, even in
  // programs that never call getenv themselves.
  wa__js_now__deps: ['$ENV'],
  wa__js_now: function () {
    return performance.now();
  },
  wa__js_call: function (name, args, nargs) {
    return Module['wasyncioBridge'].call(name, args, nargs);
  },
  wa__js_await: function (handle, token) {
    Module['wasyncioBridge'].await(handle, token);
  },
  wa__js_release: function (handle) {
    return Module['wasyncioBridge'].release(handle);
  },
  wa__js_held: function (handle) {
    return Module['wasyncioBridge'].held(handle);
  },
  wa__js_return: function (id, code, value, msg) {
    Module['wasyncioBridge'].return(id, code, value, msg);
  },
  wa__js_fetch_takes: function (url, urlLen) {
    return Module['wasyncioFetch'].takes(url, urlLen);
  },
  wa__js_fetch_start: function (r, url, method, headers, headersLen, body, bodyLen, timeoutMs, redirect, session) {
    return Module['wasyncioFetch'].start(r, url, method, headers, headersLen, body, bodyLen, timeoutMs, redirect, session);
  },
  wa__js_fetch_read: function (r, buf, cap) {
    return Module['wasyncioFetch'].read(r, buf, cap);
  },
  wa__js_fetch_abort: function (r) {
    Module['wasyncioFetch'].abort(r);
  },
  wa__js_session_new: function (max) {
    return Module['wasyncioFetch'].sessionNew(max);
  },
  wa__js_session_free: function (id) {
    Module['wasyncioFetch'].sessionFree(id);
  },
  wa__js_tcp_connect: function (host, port) {
    return Module['wasyncioNet'].connect(host, port);
  },
  wa__js_tcp_status: function (id) {
    return Module['wasyncioNet'].status(id);
  },
  wa__js_tcp_listen: function (host, port, backlog) {
    return Module['wasyncioNet'].listen(host, port, backlog);
  },
  wa__js_tcp_accept: function (id) {
    return Module['wasyncioNet'].accept(id);
  },
  wa__js_tcp_recv: function (id, buf, cap) {
    return Module['wasyncioNet'].recv(id, buf, cap);
  },
  wa__js_tcp_send: function (id, buf, len) {
    return Module['wasyncioNet'].send(id, buf, len);
  },
  wa__js_tcp_shutdown: function (id) {
    return Module['wasyncioNet'].shutdown(id);
  },
  wa__js_tcp_address: function (id, peer, buf, cap) {
    return Module['wasyncioNet'].address(id, peer, buf, cap);
  },
  wa__js_tcp_close: function (id) {
    Module['wasyncioNet'].close(id);
  },
  wa__js_tcp_poll: function (watches, count) {
    return Module['wasyncioNet'].poll(watches, count);
  },
});
