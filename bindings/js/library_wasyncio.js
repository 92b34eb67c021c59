// Functions the C runtime imports from JS (emscripten --js-library).
mergeInto(LibraryManager.library, {
  wa__js_now: function () {
    return performance.now();
  },
});
