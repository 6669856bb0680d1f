/**
 * Test helper: a fresh DurableStore (real LevelDB) in a temp dir for every test of the enclosing
 * `describe` block (or file), closed and removed after each test. Use `db.store` inside tests.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DurableStore } from '../../runtime/store.js';

export function tempStore(prefix: string, options: { sync: boolean }): { readonly store: DurableStore } {
  let dir = '';
  let store: DurableStore | undefined;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), prefix));
    store = await DurableStore.open(join(dir, 'db'), options);
  });
  afterEach(async () => {
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    get store() {
      if (!store) throw new Error('tempStore: used outside a test');
      return store;
    },
  };
}
