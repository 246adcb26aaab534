/** Connections to the queue's Redis, with the settings BullMQ needs for blocking commands. */
import { Redis } from "ioredis";
import { UserError } from "../errors.js";

/** A new connection to `url`. BullMQ workers need `maxRetriesPerRequest: null`; the rest do not mind it. */
export function redisConnection(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, lazyConnect: false });
}

/** Fail fast, with a clear message, when nothing answers at `url` (instead of retrying forever). */
export async function checkReachable(url: string, flag = "--queue"): Promise<void> {
  const probe = new Redis(url, { maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 5000, lazyConnect: true });
  probe.on("error", () => undefined);
  try {
    await probe.connect();
    await probe.ping();
  } catch (err) {
    throw new UserError(`${flag} ${url}: cannot reach Redis there (${(err as Error).message}); start redis-server or fix the URL`, { code: "queue_unreachable", source: flag });
  } finally {
    probe.disconnect();
  }
}
