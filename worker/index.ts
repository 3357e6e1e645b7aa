// Worker entry: the app is built once per isolate from the configuration.
import { createApp, type App } from "./app.ts";
import { loadConfig } from "./config.ts";
import type { Bindings } from "./env.ts";

let app: App | undefined;

export default {
  fetch(request: Request, env: Bindings, ctx: ExecutionContext): Response | Promise<Response> {
    app ??= createApp(loadConfig(env));
    return app.fetch(request, env, ctx);
  },
} satisfies ExportedHandler<Bindings>;
