// A `run` module that ends the engine Worker without any error event: the
// Worker closes itself mid-training, which the page sees as it sees a Worker
// the browser killed (out of memory, a crashed process): messages just stop.
export function train() {
  setTimeout(() => self.close(), 50);
  return new Promise(() => {});
}

/** A call that never answers (the test then terminates the Worker from the page). */
export function waitForever() {
  return new Promise(() => {});
}
