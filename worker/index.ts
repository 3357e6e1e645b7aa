// Worker entry: the app is built once per isolate from the configuration. Also the scale-out user store's Durable
// Object class and its archive queue's consumer (stores/).
import { createApp, type App } from "./app.ts";
import { loadConfig } from "./config.ts";
import type { Bindings } from "./env.ts";
import { archiveBatch } from "./stores/archive.ts";
import type { ArchiveMessage } from "./stores/archive-message.ts";

export { UserObject } from "./stores/user-object.ts";

let app: App | undefined;

export default {
  fetch(request: Request, env: Bindings, ctx: ExecutionContext): Response | Promise<Response> {
    app ??= createApp(loadConfig(env));
    return app.fetch(request, env, ctx);
  },
  async queue(batch: MessageBatch<ArchiveMessage>, env: Bindings): Promise<void> {
    await archiveBatch(batch.messages.map((m) => m.body), env);
    batch.ackAll();
  },
} satisfies ExportedHandler<Bindings, ArchiveMessage>;
