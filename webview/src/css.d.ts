// esbuild bundles imported CSS into dist/webview/dashboard.css; TypeScript only needs to know the import exists.
declare module '*.css';
