// `npm run bench`: every benchmark, printed as ratios against a baseline measured in the same process.
import { runDashboardBench } from './dashboardBench';
import { runHostBench } from './hostBench';

console.log('# dashboard (webview data path, 1,000,000 steps)');
runDashboardBench();
console.log('\n# host (console parser, reducer, dashboard deltas)');
runHostBench();
