// Entry of dist/clipWorker.js: the worker thread in which the extension computes CLIP scores (ONNX Runtime on the
// CPU), so that scoring never blocks the extension host (see src/core/clip/clipWorkerClient.ts).
import { parentPort } from 'node:worker_threads';
import { serveClip } from './core/clip/clipWorkerServer';

if (parentPort) serveClip(parentPort);
