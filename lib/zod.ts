// zod/mini, the tree-shakeable form of zod (a function per schema and check instead of methods on
// every schema), so that a bundle carries only what it uses. Unlike zod classic it loads no
// locale: every message would read "Invalid input". English is configured here, once, so that the
// messages users read (in errors that name the setting and the value) stay zod's usual ones.
// Every module imports zod from here: `import * as z from '../zod'`.
import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

config(en());

export * from 'zod/mini';
