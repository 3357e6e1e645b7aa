// vitest globalSetup of the "workers" project: the fake upstream LLM is a real HTTP server in this Node process;
// tests inside workerd reach it over 127.0.0.1 and script it over HTTP (test/support/fake-upstream.ts).
import type { TestProject } from "vitest/node";
import { FakeUpstream } from "../support/fake-upstream.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** Base URL of the fake upstream, including /v1. */
    fakeUpstreamUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const upstream = await FakeUpstream.start();
  project.provide("fakeUpstreamUrl", upstream.baseUrl);
  return () => upstream.stop();
}
