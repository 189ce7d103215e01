// @bytecodealliance/wizer 10.0.0 ships no type declarations; its default export is the path of the
// wizer binary for the current platform.
declare module "@bytecodealliance/wizer" {
  const wizerPath: string;
  export default wizerPath;
}
