/**
 * Stack lifecycles for the e2e tests: every stack is stopped after its test or its file, and
 * must leave no process or temp dir behind.
 */
import { afterAll, afterEach, expect, it } from 'vitest';
import { E2eStack } from './harness.js';

/**
 * One stack per test, started with `start`. After each test `cleanup` runs first (release
 * held connections, stop samplers), then the stack stops and must leave nothing behind.
 */
export function stackPerTest(cleanup?: () => unknown): { start(...args: Parameters<typeof E2eStack.start>): Promise<E2eStack> } {
  let current: E2eStack | undefined;
  afterEach(async () => {
    await cleanup?.();
    const stack = current;
    current = undefined;
    if (stack) {
      await stack.stop();
      expect(stack.leftovers()).toEqual([]);
    }
  }, 60_000);
  return { start: async (...args) => (current = await E2eStack.start(...args)) };
}

/**
 * A stack shared by the tests of one file, started by the first test that asks for it and
 * stopped after the file. Unlike a beforeAll, a failed start (a missing server binary, say)
 * fails every test that needs the stack instead of reporting them as skipped.
 */
export function sharedStack<T extends { readonly h: E2eStack }>(start: () => Promise<T>): { get(): Promise<T>; itLeavesNothingBehind(): void } {
  let started: Promise<T> | undefined;
  const get = () => (started ??= start());
  afterAll(async () => {
    const s = await started?.catch(() => undefined);
    await s?.h.stop();
  }, 60_000);
  return {
    get,
    /** The file's last test: stopping the stack leaves no process or temp dir behind. */
    itLeavesNothingBehind() {
      it('leaves no process or temp dir behind', async () => {
        const { h } = await get();
        await h.stop();
        expect(h.leftovers()).toEqual([]);
      }, 60_000);
    },
  };
}
