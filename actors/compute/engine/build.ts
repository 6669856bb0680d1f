/**
 * Builds a dataflow graph from a plan: one node per distinct sub-plan (equal sub-plans, e.g. the
 * same input read twice, become one node), chains of map / filter / project fused into one node,
 * and one arrangement per (node, key columns) shared by every operator that reads the node so
 * arranged; a reduce directly over a join takes the join into itself (no joined rows built). Node ids follow a topological order (inputs before their consumers), which is the
 * order the engine runs them in at each time. The plan must already be validated (planArity).
 */
import type { Plan } from '../../../protocol/compute/plan.js';
import { planArity, planInputs } from '../../../protocol/compute/plan.js';
import { FixpointNode, liftedName } from './fixpoint.js';
import { normalizeEquivalences } from '../../../protocol/compute/reference.js';
import type { Row } from '../../../protocol/types.js';
import { Arrangement } from './arrangement.js';
import { JoinNode } from './join.js';
import { compileMfp, FlatMapNode, MfpNode, NegateNode, UnionNode, type MfpStage } from './linear.js';
import type { Node } from './node.js';
import { ReduceNode } from './reduce.js';
import { ConstantNode, InputNode } from './sources.js';
import { ThresholdNode } from './threshold.js';
import { TemporalNode } from './temporal.js';
import { TopKNode } from './topk.js';
import { compileTemporal } from '../../../protocol/compute/temporal.js';
import { WindowNode } from './window.js';

export interface Graph {
  /** Every node, in topological order (`nodes[i].id === i`). */
  nodes: Node[];
  root: Node;
  inputs: Map<string, InputNode>;
  arrangements: Arrangement[];
  /** The temporal filters: nodes that schedule output changes at later times (temporal.ts). */
  temporal: TemporalNode[];
}

export function buildGraph(plan: Plan): Graph {
  const b = new Builder();
  const root = b.build(plan);
  return { nodes: b.nodes, root, inputs: b.inputs, arrangements: b.allArrangements, temporal: b.temporal };
}

class Builder {
  readonly nodes: Node[] = [];
  readonly inputs = new Map<string, InputNode>();
  readonly allArrangements: Arrangement[] = [];
  readonly temporal: TemporalNode[] = [];
  private readonly memo = new Map<string, Node>();
  private readonly arrangements = new Map<string, Arrangement>();

  build(plan: Plan): Node {
    const key = JSON.stringify(plan);
    const hit = this.memo.get(key);
    if (hit) return hit;
    const node = this.make(plan);
    this.memo.set(key, node);
    return node;
  }

  /** The shared arrangement of `node` by `cols`. */
  arrange(node: Node, cols: number[], skipNullKeys: boolean): Arrangement {
    const key = `${node.id}|${cols.join(',')}|${skipNullKeys}`;
    let arr = this.arrangements.get(key);
    if (!arr) {
      arr = new Arrangement(cols, node.arity, skipNullKeys);
      this.arrangements.set(key, arr);
      this.allArrangements.push(arr);
      node.arrangements.push(arr);
    }
    return arr;
  }

  private add<N extends Node>(make: (id: number) => N): N {
    const node = make(this.nodes.length);
    this.nodes.push(node);
    return node;
  }

  private make(plan: Plan): Node {
    switch (plan.op) {
      case 'get': {
        const existing = this.inputs.get(plan.name);
        if (existing) {
          if (existing.arity !== plan.arity) throw new Error(`input ${plan.name} is read with arities ${existing.arity} and ${plan.arity}`);
          return existing;
        }
        const node = this.add((id) => new InputNode(id, plan.arity, plan.name));
        this.inputs.set(plan.name, node);
        return node;
      }
      case 'constant':
        return this.add((id) => new ConstantNode(id, plan.arity, plan.rows));
      case 'map':
      case 'filter':
      case 'project': {
        const stages: MfpStage[] = [];
        let p: Plan = plan;
        while (p.op === 'map' || p.op === 'filter' || p.op === 'project') {
          if (p.op === 'map') stages.unshift({ kind: 'map', exprs: p.exprs });
          else if (p.op === 'filter') stages.unshift({ kind: 'filter', predicates: p.predicates });
          else stages.unshift({ kind: 'project', columns: p.columns });
          p = p.input;
        }
        const input = this.build(p);
        return this.add((id) => new MfpNode(id, planArity(plan), input, compileMfp(stages)));
      }
      case 'temporal': {
        const input = this.build(plan.input);
        const node = this.add((id) => new TemporalNode(id, input.arity, input, compileTemporal(plan.lower, plan.upper)));
        this.temporal.push(node);
        return node;
      }
      case 'flat_map': {
        const input = this.build(plan.input);
        return this.add((id) => new FlatMapNode(id, input.arity + 1, input, plan.func, plan.exprs));
      }
      case 'join':
        return this.join(plan.inputs, plan.equivalences);
      case 'reduce': {
        if (plan.input.op === 'join') {
          // The join fused into the reduce: a node of its own, outside the graph's list, read only
          // by this reduce (an equal join elsewhere is another node; both share the arrangements).
          const join = this.joinNode(plan.input.inputs, plan.input.equivalences, -1);
          return this.add((id) => new ReduceNode(id, join, plan.groupKey, plan.aggregates, join));
        }
        const input = this.build(plan.input);
        return this.add((id) => new ReduceNode(id, input, plan.groupKey, plan.aggregates));
      }
      case 'distinct':
      case 'threshold': {
        const input = this.build(plan.input);
        const arr = this.arrange(input, allColumns(input.arity), false);
        return this.add((id) => new ThresholdNode(id, input.arity, input.id, arr, plan.op === 'distinct'));
      }
      case 'union': {
        const inputs = plan.inputs.map((p) => this.build(p));
        if (inputs.length === 1) return inputs[0]!;
        return this.add((id) => new UnionNode(id, inputs[0]!.arity, inputs));
      }
      case 'negate': {
        const input = this.build(plan.input);
        return this.add((id) => new NegateNode(id, input.arity, input));
      }
      case 'topk': {
        const input = this.build(plan.input);
        const arr = this.arrange(input, plan.groupKey, false);
        return this.add((id) => new TopKNode(id, input.arity, input.id, arr, plan.order, plan.offset, plan.limit));
      }
      case 'fixpoint': {
        // The non-recursive term and each maximal part of the recursive term that does not read
        // the working table are graph nodes; the rest of the recursive term is evaluated by the
        // fixpoint node per round (fixpoint.ts).
        const [basePlan, stepPlan] = plan.inputs as [Plan, Plan];
        const base = this.build(basePlan);
        const lifted: Node[] = [];
        const lift = (p: Plan): Plan => {
          if (p.op === 'constant') return p;
          if (!planInputs(p).has(plan.name) && !(p.op === 'get' && p.name === plan.name)) {
            const node = this.build(p);
            lifted.push(node);
            return { op: 'get', name: liftedName(plan.name, lifted.length - 1), arity: node.arity };
          }
          if ('input' in p) return { ...p, input: lift(p.input) } as Plan;
          if ('inputs' in p) return { ...p, inputs: p.inputs.map(lift) } as Plan;
          return p;
        };
        const step = lift(stepPlan);
        return this.add((id) => new FixpointNode(id, plan.arity, base, lifted, step, plan.name, plan.distinct, plan.limit));
      }
      case 'window': {
        const input = this.build(plan.input);
        return this.add((id) => new WindowNode(id, input.arity + plan.functions.length, input.id, plan.partitionBy, plan.orderBy, plan.functions));
      }
    }
  }

  private join(plans: Plan[], equivalences: number[][]): Node {
    return this.joinNode(plans, equivalences);
  }

  /** A join node: registered in the graph, or (`fusedId` given) for a reduce to own. */
  private joinNode(plans: Plan[], equivalences: number[][], fusedId?: number): JoinNode {
    const classes = normalizeEquivalences(equivalences);
    let offset = 0;
    const inputs = plans.map((p) => {
      let node = this.build(p);
      const from = offset;
      offset += node.arity;
      // Equalities among this input's own columns become a filter before the join.
      const local = classes.map((cls) => cls.filter((c) => c >= from && c < offset).map((c) => c - from)).filter((cols) => cols.length >= 2);
      if (local.length > 0) {
        const input = node;
        const test = (row: Row): boolean => {
          for (const cols of local) {
            const v = row[cols[0]!];
            if (v === null) return false;
            for (let i = 1; i < cols.length; i++) if (row[cols[i]!] !== v) return false;
          }
          return true;
        };
        node = this.add((id) => new MfpNode(id, input.arity, input, compileMfp([{ kind: 'predicate', test }])));
      }
      return node;
    });
    const make = (id: number) => new JoinNode(id, offset, inputs, classes, (node, cols) => this.arrange(node, cols, true));
    return fusedId !== undefined ? make(fusedId) : this.add(make);
  }
}

function allColumns(arity: number): number[] {
  return Array.from({ length: arity }, (_, i) => i);
}
