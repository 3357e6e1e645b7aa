// A queue that serves its clients in turn: one item from each client with work waiting, round after round, each
// client's own items in order. So a client with thousands of windows queued delays another's next window by at
// most one window per thread, not by its whole backlog.

export class FairQueue<T> {
  private readonly queues = new Map<string, T[]>();
  /** Clients with items waiting, in serving order (the next one first). */
  private readonly ring: string[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  push(client: string, item: T): void {
    let queue = this.queues.get(client);
    if (!queue) {
      this.queues.set(client, (queue = []));
      this.ring.push(client);
    }
    queue.push(item);
    this.count++;
  }

  /** The next client's oldest item; that client then goes to the back of the ring. */
  shift(): T | undefined {
    const client = this.ring.shift();
    if (client === undefined) return undefined;
    const queue = this.queues.get(client)!;
    const item = queue.shift()!;
    this.count--;
    if (queue.length > 0) this.ring.push(client);
    else this.queues.delete(client);
    return item;
  }

  /** Removes an item (e.g. its request was abandoned); false if it is not queued (already taken). */
  remove(client: string, item: T): boolean {
    const queue = this.queues.get(client);
    const at = queue ? queue.indexOf(item) : -1;
    if (!queue || at < 0) return false;
    queue.splice(at, 1);
    this.count--;
    if (queue.length === 0) {
      this.queues.delete(client);
      this.ring.splice(this.ring.indexOf(client), 1);
    }
    return true;
  }
}
