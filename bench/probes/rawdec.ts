/**
 * Probe: decodes every stored batch value of a storage host's LevelDB directory (argv[2]) three
 * times and prints updates/s, as subscribeBench's baseline does.
 * `node --import tsx bench/probes/rawdec.ts <dir>/hosts/storage-0`
 */
import { Level } from 'level';
import { decode } from '../../protocol/codec.js';
const db = new Level<string, Uint8Array>(process.argv[2]!, { keyEncoding: 'utf8', valueEncoding: 'view' });
await db.open();
for (let pass = 0; pass < 3; pass++) {
  let n = 0, vals = 0, bytes = 0; const s = performance.now();
  for await (const [k, v] of db.iterator()) { if (!k.includes('!b/')) continue; vals++; bytes += v.length; const value = decode(v); n += (value instanceof Uint8Array ? (decode(value) as unknown[]) : (value as unknown[])).length; }
  console.log(vals, 'values', bytes, 'bytes', n, 'updates', (n / ((performance.now() - s) / 1000) / 1e6).toFixed(2), 'M/s');
}
