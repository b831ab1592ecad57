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
