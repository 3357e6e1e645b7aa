// The Worker as bench:scale builds it: the deployed Worker's exports plus the seeding entrypoint (store-seeder.ts).
export { default, UserObject } from "../../worker/index.ts";
export { StoreSeeder } from "./store-seeder.ts";
