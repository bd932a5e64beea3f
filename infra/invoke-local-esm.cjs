// `serverless invoke local` with an ESM bundle: osls loads a handler with require(), which finds
// neither `functions/update-images` nor the `.cjs` it tries next, while serverless-esbuild writes
// `.mjs` (what Lambda runs). After serverless-esbuild has built (this plugin is listed after it),
// a CommonJS `.cjs` forwarder is written beside each bundled handler, in the local build folder
// only: the deployment package never contains it.
'use strict';

const { existsSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

class InvokeLocalEsm {
  constructor(serverless, options) {
    this.hooks = {
      'before:invoke:local:invoke': () => {
        const buildDir = serverless.config.servicePath;
        const func = serverless.service.getFunction(options.function);
        const dot = func.handler.lastIndexOf('.');
        const [modulePath, exportName] = [func.handler.slice(0, dot), func.handler.slice(dot + 1)];
        const bundle = join(buildDir, `${modulePath}.mjs`);
        if (!existsSync(bundle)) return;
        const forwarder =
          `exports[${JSON.stringify(exportName)}] = (event, context) =>\n` +
          `  import(${JSON.stringify(`./${modulePath.split('/').pop()}.mjs`)}).then((bundle) => bundle[${JSON.stringify(exportName)}](event, context));\n`;
        writeFileSync(join(buildDir, `${modulePath}.cjs`), forwarder);
      },
    };
  }
}

module.exports = InvokeLocalEsm;
