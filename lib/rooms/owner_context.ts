import type { Context } from "hono";
import { type AppEnv, publicOrigin } from "../web/app.ts";
import type { OwnerContext } from "./owner.ts";

/** What the owner actions need, from a request's services. */
export function ownerContext(c: Context<AppEnv>): OwnerContext {
  const { rooms, registry, config } = c.var.services;
  return { rooms, registry, origin: publicOrigin(c), defaultKeepDays: config.roomTtlDays };
}
