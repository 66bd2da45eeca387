import pkg from '../package.json' with { type: 'json' };

export const FACEBENCH_VERSION: string = pkg.version;
