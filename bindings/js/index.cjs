// CommonJS entry: the same API as index.mjs, loaded on first use.
'use strict';

const api = () => import('./index.mjs');

exports.load = (...args) => api().then((m) => m.load(...args));
exports.start = (...args) => api().then((m) => m.start(...args));
