// Runs in every test file: the temp folders a file made are removed when it ends.
import { afterAll } from 'vitest';
import { removeTempDirs } from './helpers/cli.js';

afterAll(removeTempDirs);
