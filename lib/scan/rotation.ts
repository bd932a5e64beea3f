// The order a run takes applications in, rotated from run to run without state, so that when one
// run cannot reach every application the next runs start with the ones it left.
//
// The applications (sorted by namespace/name) are cut into three blocks; run r starts with block
// r mod 3, and orders each block the same way one level down with run ⌊r/3⌋. Any three
// consecutive runs therefore start with each third once, any nine with each ninth once, and so on:
// when a run has room for a third of the applications, every one is reached within 3 runs; for a
// ninth, within 9. Whatever the room, every application is reached within about 3 × n / room runs.

const BLOCKS = 3;

export function rotationOrder<T>(items: readonly T[], run: number): T[] {
  if (items.length <= 1) return [...items];
  const size = Math.ceil(items.length / BLOCKS);
  const blocks: T[][] = [];
  for (let start = 0; start < items.length; start += size) blocks.push(items.slice(start, start + size));
  const first = run % blocks.length;
  const deeper = Math.floor(run / blocks.length);
  return blocks.flatMap((_, index) => rotationOrder(blocks[(first + index) % blocks.length] ?? [], deeper));
}
