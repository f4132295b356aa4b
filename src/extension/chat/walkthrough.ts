// The getting-started walkthrough (`contributes.walkthroughs`), by the id VS Code opens it with.
/** `<publisher>.<name>#<walkthrough id>`, as `workbench.action.openWalkthrough` takes it (package.json holds all three). */
export const WALKTHROUGH_ID = 'sdxl-trainer.sdxl-trainer#sdxl.gettingStarted';
