// Functions the C runtime imports from JS (emscripten --js-library).
mergeInto(LibraryManager.library, {
  // $ENV comes along so the driver can always fill the C environment, even in
  // programs that never call getenv themselves.
  wa__js_now__deps: ['$ENV'],
  wa__js_now: function () {
    return performance.now();
  },
});
