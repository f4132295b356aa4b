// Entry of dist/wrapper.js: `node wrapper.js <record folder>`. Started detached by the supervisor; see
// src/core/supervisor/wrapperMain.ts.
import { runWrapper } from './core/supervisor/wrapperMain';

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: wrapper.js <run record folder>\n');
  process.exitCode = 2;
} else {
  runWrapper(dir).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`wrapper: ${e instanceof Error ? e.stack : String(e)}\n`);
      process.exit(1);
    },
  );
}
