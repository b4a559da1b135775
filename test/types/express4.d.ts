// `express4` is an npm alias of express@4, used to run the same tests on Express 4; its API is typed like express.
declare module 'express4' {
  import express from 'express';
  export default express;
}
