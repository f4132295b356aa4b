// The getting-started walkthrough (`contributes.walkthroughs`): its id, and the context keys that mark its steps done.
/** `<publisher>.<name>#<walkthrough id>`, as `workbench.action.openWalkthrough` takes it (package.json holds all three). */
export const WALKTHROUGH_ID = 'sdxl-trainer.sdxl-trainer#sdxl.gettingStarted';

/**
 * The command that completes each step → the context key set once it has run to its end. A step completed by
 * `onCommand:` is marked as the command starts, and the walkthrough then moves to the next step and takes the focus,
 * which closes the quick pick the command has just opened; `onContext:` of a key set afterwards does not.
 */
export const WALKTHROUGH_STEP_KEYS: Readonly<Record<string, string>> = {
  'sdxl.checkEnvironment': 'sdxl.walkthrough.environment',
  'sdxl.setupEnvironment': 'sdxl.walkthrough.environment',
  'sdxl.newConfig': 'sdxl.walkthrough.newConfig',
  'sdxl.checkDataset': 'sdxl.walkthrough.datasetCheck',
  'sdxl.startRun': 'sdxl.walkthrough.firstRun',
  'sdxl.openDashboard': 'sdxl.walkthrough.dashboard',
};
