// pg's own conversion of a query parameter to what it sends (dates, arrays, buffers, JSON), used by
// its Query; @types/pg does not declare the module.
declare module 'pg/lib/utils.js' {
  const utils: { prepareValue(value: unknown): unknown };
  export default utils;
}
