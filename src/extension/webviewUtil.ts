// Shared helpers for the extension's webviews: nonce, CSP, HTML escaping.
import * as crypto from 'node:crypto';
import type * as vscode from 'vscode';

export function makeNonce(): string {
  return crypto.randomBytes(16).toString('base64');
}

/** A strict CSP: nothing but our nonce'd scripts and the webview's own resources. */
export function contentSecurityPolicy(webview: vscode.Webview, nonce: string): string {
  return [
    "default-src 'none'",
    `img-src ${webview.cspSource} data:`,
    `style-src ${webview.cspSource} 'nonce-${nonce}'`,
    `font-src ${webview.cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
