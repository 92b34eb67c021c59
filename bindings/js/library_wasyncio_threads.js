// What threads builds (wa-cc --threads) add to library_wasyncio.js.
mergeInto(LibraryManager.library, {
  // Runs on the main thread: ends the driver's wait (driver.mjs sets it).
  wa__js_wake: function () {
    if (Module['wasyncioWake']) Module['wasyncioWake']();
  },
  // emscripten warns once when the main thread blocks (a join, a contended
  // mutex), as that deadlocks if the other thread needs the main thread's
  // event loop to start. Every wasyncio thread runs on a worker loaded before
  // main (PTHREAD_POOL_SIZE_STRICT=2), so the warning would only mislead.
  emscripten_check_blocking_allowed: function () {},
});
