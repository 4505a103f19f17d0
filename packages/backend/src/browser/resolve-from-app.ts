/**
 * The browser build's stand-in for `resolve-from-app.ts` (package.json `browser` map): a page has
 * no application folder to search; the backends it uses are the ones its bundle imports.
 */
export function resolveFromApp(specifier: string): string {
  throw new Error(`${specifier} is not in this page's bundle: import '${specifier}' before useBackend()`);
}
