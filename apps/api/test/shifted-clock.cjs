// Preloaded into an API process a test spawns (`node --require`): moves the process's clock to TEST_CLOCK_AT,
// which then runs on at the real pace. Lets a test play a given calendar day (e.g. the 3rd of a month) without
// any switch in the product's code.
const at = process.env.TEST_CLOCK_AT;
if (at) {
  const RealDate = Date;
  const offset = RealDate.parse(at) - RealDate.now();
  if (Number.isNaN(offset)) throw new Error(`TEST_CLOCK_AT is not a date: ${at}`);
  class ShiftedDate extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(RealDate.now() + offset);
      else super(...args);
    }
    static now() {
      return RealDate.now() + offset;
    }
  }
  globalThis.Date = ShiftedDate;
}
