// `npm run bench`: every benchmark, printed as ratios against a baseline measured in the same process.
import { runDashboardBench } from './dashboardBench';
import { runEventBench } from './eventBench';
import { runHostBench } from './hostBench';

async function main(): Promise<void> {
  console.log('# dashboard (webview data path, 1,000,000 steps)');
  runDashboardBench();
  console.log('\n# host (console parser, reducer, dashboard deltas)');
  runHostBench();
  console.log('\n# event files (framing and resync, 1 GiB)');
  await runEventBench();
}

void main();
