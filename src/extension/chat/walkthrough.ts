// The getting-started walkthrough (`contributes.walkthroughs`): its id, and the context keys that mark its steps done.
/** `<publisher>.<name>#<walkthrough id>`, as `workbench.action.openWalkthrough` takes it (package.json holds all three). */
export const WALKTHROUGH_ID = 'sdxl-trainer.sdxl-trainer#sdxl.gettingStarted';

/**
 * The command that completes each step → the context key set once it has run to its end (not when it returned false:
 * cancelled). `onCommand:` would mark a step done as the command starts, a cancelled New Config included.
 */
export const WALKTHROUGH_STEP_KEYS: Readonly<Record<string, string>> = {
  'sdxl.checkEnvironment': 'sdxl.walkthrough.environment',
  'sdxl.setupEnvironment': 'sdxl.walkthrough.environment',
  'sdxl.newConfig': 'sdxl.walkthrough.newConfig',
  'sdxl.checkDataset': 'sdxl.walkthrough.datasetCheck',
  'sdxl.startRun': 'sdxl.walkthrough.firstRun',
  'sdxl.openDashboard': 'sdxl.walkthrough.dashboard',
};
