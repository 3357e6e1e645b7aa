// `import text from "./file?raw"`: a file's text, as Vite (which runs the tests) serves it.
declare module "*?raw" {
  const content: string;
  export default content;
}
