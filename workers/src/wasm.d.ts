declare module '*.wasm' {
  const module: WebAssembly.Module;
  export default module;
}
declare module 'argon2id/lib/setup.js' {
  const setupWasm: (
    getSIMD: (imports: WebAssembly.Imports) => Promise<{ module: WebAssembly.Module; instance: WebAssembly.Instance }>,
    getNonSIMD: (imports: WebAssembly.Imports) => Promise<{ module: WebAssembly.Module; instance: WebAssembly.Instance }>,
  ) => Promise<unknown>;
  export default setupWasm;
}
// Bundled as text (wrangler.toml [[rules]]): the API reference page's assets, served by the Worker.
declare module 'swagger-ui-dist/swagger-ui-bundle.js' {
  const text: string;
  export default text;
}
declare module 'swagger-ui-dist/swagger-ui.css' {
  const text: string;
  export default text;
}
