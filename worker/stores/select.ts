// Which user store serves a tenant: its own setting (tenants.user_store), else the Worker's PREF_USER_STORE
// (`PREF_USER_STORE=durable-objects npm start` runs the scale-out store locally), else D1.
import type { UserStoreKind } from "../db/schema.ts";
import type { TenantInfo } from "../domain.ts";
import type { Bindings } from "../env.ts";
import { ApiError } from "../errors.ts";
import { d1Store } from "./d1-store.ts";
import { durableStore } from "./durable-store.ts";
import type { UserStore } from "./user-store.ts";

export function defaultStoreKind(env: Bindings): UserStoreKind {
  const v = env.PREF_USER_STORE ?? "";
  if (v === "" || v === "d1") return "d1";
  if (v === "durable-objects") return "durable-objects";
  throw new ApiError(500, "internal", `PREF_USER_STORE must be "d1" or "durable-objects", not ${JSON.stringify(v)}`);
}

export const storeKindOf = (tenant: Pick<TenantInfo, "userStore">, env: Bindings): UserStoreKind => tenant.userStore ?? defaultStoreKind(env);

export function storeFor(tenant: Pick<TenantInfo, "userStore">, env: Bindings): UserStore {
  return storeKindOf(tenant, env) === "d1" ? d1Store : durableStore;
}
