/**
 * `definite status [--format table|json]`: every process and actor of the region with its state,
 * from the orchestrator's tree (or, when the orchestrator is down, from each host directly).
 */
import { loadConfig } from '../runtime/config.js';
import { Transport } from '../runtime/transport.js';
import { hostsSubject, treeSubject } from '../protocol/inspect/subjects.js';
import { encode, decode } from '../protocol/codec.js';
import type { Tree, TreeNode } from '../protocol/inspect/messages.js';
import { makeHeaders } from '../runtime/transport.js';
import { flag, type ParsedArgs } from './args.js';

export async function statusCommand(args: ParsedArgs): Promise<void> {
  const config = loadConfig();
  const format = flag(args, 'format') ?? 'table';
  if (format !== 'table' && format !== 'json') throw new Error('--format must be table or json');
  const t = await Transport.connect({ servers: config.natsUrl, name: 'cli:status', user: config.natsUser, pass: config.natsPass, timeoutMs: 5000 });
  let root: TreeNode;
  try {
    root = (await t.request<Tree>(treeSubject(config.region), { type: 'GetTree' })).root;
  } catch {
    // The orchestrator is not answering: ask every host directly.
    const children: TreeNode[] = [];
    const replies = await t.nc.requestMany(hostsSubject(config.region), encode({ type: 'GetTree' }), {
      maxWait: 1500,
      headers: makeHeaders('GetTree'),
    });
    for await (const m of replies) children.push((decode(m.data) as Tree).root);
    root = { id: config.region, role: 'region', kind: 'region', state: 'orchestrator down', restarts: 0, children };
  }
  await t.close();
  if (format === 'json') console.log(JSON.stringify(root, null, 2));
  else console.log(renderTable(root));
}

/** Renders the tree as an indented table. */
export function renderTable(root: TreeNode, now = Date.now()): string {
  const rows: string[][] = [['NODE', 'ROLE', 'KIND', 'STATE', 'PID', 'RESTARTS', 'UPTIME', 'LAST ERROR']];
  const walk = (n: TreeNode, depth: number) => {
    const uptime = n.runningSince ? `${Math.round((now - n.runningSince) / 1000)}s` : '';
    const restarts = n.intensity !== undefined ? `${n.restarts} (${n.restartsInWindow ?? 0}/${n.intensity})` : String(n.restarts);
    rows.push(['  '.repeat(depth) + n.id, n.role, n.kind, n.state, n.pid ? String(n.pid) : '', restarts, uptime, (n.lastError ?? '').slice(0, 60)]);
    for (const c of n.children ?? []) walk(c, depth + 1);
  };
  walk(root, 0);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}
