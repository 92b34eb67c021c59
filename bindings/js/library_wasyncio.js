// Functions the C runtime imports from JS (emscripten --js-library). The
// bridge's are trampolines into driver.mjs, which sets Module.wasyncioBridge.
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
    Module['wasyncioBridge'].release(handle);
  },
  wa__js_return: function (id, code, value, msg) {
    Module['wasyncioBridge'].return(id, code, value, msg);
  },
});
