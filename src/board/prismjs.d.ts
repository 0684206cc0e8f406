// prismjs ships no types for its per-file components; prism-core exports the same object as the
// package's main entry, which @types/prismjs describes. Language components are imported for their
// side effects only and need no declaration.
declare module 'prismjs/components/prism-core' {
  import Prism from 'prismjs';
  export default Prism;
}
