// A `run` module whose training never finishes because the engine Worker
// fails underneath it (an uncaught error in a timer, as a crash mid-training
// would look): the page must get an error, not wait forever.
export function train() {
  setTimeout(() => {
    throw new Error('worker died mid-training');
  }, 50);
  return new Promise(() => {});
}
