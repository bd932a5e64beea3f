// node-fetch 2 (a dependency of @kubernetes/client-node) takes Node's own URL when there is one and
// keeps whatwg-url only as a fallback for old runtimes. Bundles point whatwg-url here instead,
// which leaves out whatwg-url, tr46 and their Unicode tables (about 300 kB).
'use strict';
module.exports = { URL: require('node:url').URL };
