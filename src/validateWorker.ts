// Entry of dist/validateWorker.js: the worker thread in which the extension validates configs, so that a huge one never
// blocks the extension host (see src/core/diagnostics/validationService.ts).
import { parentPort } from 'node:worker_threads';
import { serveValidation } from './core/diagnostics/validationService';

if (parentPort) serveValidation(parentPort);
