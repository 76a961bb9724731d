// Loaded with --import into a daemon under test: once the file named by CLOCK_STEP_FILE exists,
// the daemon's wall clock (Date.now, new Date()) reads CLOCK_STEP_MS later (earlier when
// negative), as after an NTP step. The monotonic clock (performance.now) goes on as the kernel's.
import { existsSync } from "node:fs";

const file = process.env.CLOCK_STEP_FILE;
const step = Number(process.env.CLOCK_STEP_MS ?? 0);
if (file) {
  let offset = 0;
  const RealDate = Date;
  const realNow = Date.now;
  const poll = setInterval(() => {
    if (!existsSync(file)) return;
    offset = step;
    clearInterval(poll);
  }, 20);
  poll.unref();
  globalThis.Date = class SteppedDate extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(realNow() + offset);
      else super(...args);
    }
    static now() {
      return realNow() + offset;
    }
  };
}
