// Flags known to let Debian's Chromium run headless in a container with no GPU or network; shared by the end-to-end
// harness and the webview browser tests.
export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
