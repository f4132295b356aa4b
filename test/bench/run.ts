// `npm run bench`: every benchmark, printed as ratios against a baseline measured in the same process.
import { runDashboardBench } from './dashboardBench';
import { runEventBench } from './eventBench';
import { runHostBench } from './hostBench';
import { runValidationBench } from './validationBench';
import { runClipBench } from './clipBench';

async function main(): Promise<void> {
  console.log('# dashboard (webview data path, 1,000,000 steps)');
  runDashboardBench();
  console.log('\n# host (console parser, reducer, dashboard deltas)');
  runHostBench();
  console.log('\n# config validation (40,000 unknown keys, 3.5 MB; event-loop stalls)');
  await runValidationBench();
  console.log('\n# event files (framing and resync, 1 GiB)');
  await runEventBench();
  console.log('\n# CLIP scoring (96 images; worker vs main thread; event-loop delay)');
  await runClipBench();
}

void main();
