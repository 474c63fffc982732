import { sortedNames, PARALLEL_FORBIDDEN, REFERENCE_OPERATORS } from './vocabulary.js';

/** Nodes are immutable (frozen): edits replace them, so snapshots share them safely. */
export interface OperatorNode {
  readonly type: 'operator';
  readonly id: string;
  readonly operator: string;
  readonly prompt?: string;
}

export interface ParallelNode {
  readonly type: 'parallel';
  readonly id: string;
  readonly children: readonly OperatorNode[];
}

export interface ConditionalNode {
  readonly type: 'conditional';
  readonly id: string;
  /** The checker whose verdict picks the branch. */
  readonly condition: OperatorNode;
  /** The repair branch: runs when the check fails. */
  readonly trueBranch: OperatorNode;
  /** Runs when the check passes; absent means `done` (the flow continues unchanged). */
  readonly falseBranch?: OperatorNode;
}

export interface LoopNode {
  readonly type: 'loop';
  readonly id: string;
  readonly children: readonly OperatorNode[];
  readonly count: number;
}

export type StructureNode = ParallelNode | ConditionalNode | LoopNode;
export type WorkflowNode = OperatorNode | StructureNode;

export interface EditResult {
  readonly success: boolean;
  readonly message: string;
  readonly nodeId?: string;
}

const REFERENCE_NAMES: readonly string[] = REFERENCE_OPERATORS.map((o) => o.name);
/** The accepted-name set and its sorted message text, per vocabulary array (graphs are created per episode). */
const vocabularyCache = new WeakMap<readonly string[], { valid: ReadonlySet<string>; list: string }>();
/** The forbidden-in-parallel set, per source collection (like the vocabulary, read once per collection). */
const forbiddenCache = new WeakMap<Iterable<string>, ReadonlySet<string>>();

/** Freezes a node (and its children) that came from outside, e.g. parsed JSON. */
function freezeNode(node: WorkflowNode): WorkflowNode {
  switch (node.type) {
    case 'operator':
      return operatorNode(node.id, node.operator, node.prompt);
    case 'parallel':
    case 'loop':
      return frozen({ ...node, children: node.children.map((c) => operatorNode(c.id, c.operator, c.prompt)) });
    case 'conditional':
      return frozen({
        ...node,
        condition: operatorNode(node.condition.id, node.condition.operator, node.condition.prompt),
        trueBranch: operatorNode(node.trueBranch.id, node.trueBranch.operator, node.trueBranch.prompt),
        ...(node.falseBranch === undefined ? {} : { falseBranch: operatorNode(node.falseBranch.id, node.falseBranch.operator, node.falseBranch.prompt) }),
      });
  }
}

/**
 * How node ids are assigned. `unique` (default) never reuses an id. `positional` reproduces the
 * reference (`node_{count+1}`), whose ids repeat after deletions and can make a node unreachable.
 */
export type IdScheme = 'unique' | 'positional';

export interface GraphOptions {
  readonly operators?: readonly string[];
  /** Operators that may not sit inside a parallel block (default: the reference's aggregators). */
  readonly parallelForbidden?: Iterable<string>;
  readonly idScheme?: IdScheme;
}

export interface GraphStatistics {
  readonly operatorList: readonly string[];
  readonly totalOperators: number;
  readonly uniqueTypes: number;
  readonly hasParallel: boolean;
  readonly hasConditional: boolean;
  readonly hasLoop: boolean;
  readonly nodeCount: number;
  readonly dslLength: number;
}

/** Plain-data form of a graph, for snapshots and JSON. */
export interface GraphSnapshot {
  readonly nodes: readonly WorkflowNode[];
  readonly nextId: number;
  readonly idScheme: IdScheme;
  /** Ids that the id → node map still resolves (differs from the node list only under `positional`). */
  readonly reachable: readonly string[];
}

function operatorNode(id: string, operator: string, prompt?: string): OperatorNode {
  return Object.freeze(prompt === undefined ? { type: 'operator', id, operator } : { type: 'operator', id, operator, prompt });
}

function frozen<T extends StructureNode>(node: T): T {
  if ('children' in node) Object.freeze(node.children);
  return Object.freeze(node);
}

/** The structure with one child object replaced. */
function withChild(parent: StructureNode, old: OperatorNode, replacement: OperatorNode): StructureNode {
  const swap = (child: OperatorNode): OperatorNode => (child === old ? replacement : child);
  switch (parent.type) {
    case 'parallel':
    case 'loop':
      return frozen({ ...parent, children: parent.children.map(swap) });
    case 'conditional':
      return frozen({ ...parent, condition: swap(parent.condition), trueBranch: swap(parent.trueBranch), ...(parent.falseBranch === undefined ? {} : { falseBranch: swap(parent.falseBranch) }) });
  }
}

/** The operators of a node in execution order: the node itself, or its children. */
export function operatorsOf(node: WorkflowNode): readonly OperatorNode[] {
  switch (node.type) {
    case 'operator':
      return [node];
    case 'parallel':
    case 'loop':
      return node.children;
    case 'conditional':
      return node.falseBranch === undefined ? [node.condition, node.trueBranch] : [node.condition, node.trueBranch, node.falseBranch];
  }
}

function joinOperators(children: readonly OperatorNode[], separator: string): string {
  let text = '';
  for (let i = 0; i < children.length; i++) text += (i === 0 ? '' : separator) + (children[i] as OperatorNode).operator;
  return text;
}

/** Canonical DSL of one node (see the package README for the grammar). */
export function renderNode(node: WorkflowNode): string {
  switch (node.type) {
    case 'operator':
      return node.operator;
    case 'parallel':
      return `[${joinOperators(node.children, ', ')}]`;
    case 'conditional':
      return `${node.condition.operator} ? ${node.trueBranch.operator} : ${node.falseBranch?.operator ?? 'done'}`;
    case 'loop':
      return `(${joinOperators(node.children, ' -> ')}) * ${node.count}`;
  }
}

/** Views derived from the nodes, valid until the next edit (one object per version, all fields present: one shape). */
class DerivedViews {
  dsl: string | undefined = undefined;
  stats: GraphStatistics | undefined = undefined;
  nodeList: readonly string[] | undefined = undefined;
  snapshot: GraphSnapshot | undefined = undefined;
  operatorNodes: readonly OperatorNode[] | undefined = undefined;
}

/**
 * The workflow graph: an ordered list of top-level nodes (structures hold operator children one
 * level deep) and an id → node map that also indexes children. Edit methods return the exact
 * reference messages; they never throw for bad input.
 */
export class WorkflowGraph {
  readonly #nodes: WorkflowNode[] = [];
  readonly #map = new Map<string, WorkflowNode>();
  readonly #valid: ReadonlySet<string>;
  readonly #validList: string;
  readonly #parallelForbidden: ReadonlySet<string>;
  readonly idScheme: IdScheme;
  #nextId = 1;
  /** Derived views, valid until the next edit. */
  #cache = new DerivedViews();

  constructor(options: GraphOptions = {}) {
    const names = options.operators ?? REFERENCE_NAMES;
    const known = vocabularyCache.get(names);
    this.#valid = known?.valid ?? new Set(names);
    this.#validList = known?.list ?? sortedNames(this.#valid).join(', ');
    if (known === undefined) vocabularyCache.set(names, { valid: this.#valid, list: this.#validList });
    const forbidden = options.parallelForbidden ?? PARALLEL_FORBIDDEN;
    let forbiddenSet = forbiddenCache.get(forbidden);
    if (forbiddenSet === undefined) {
      forbiddenSet = new Set(forbidden);
      forbiddenCache.set(forbidden, forbiddenSet);
    }
    this.#parallelForbidden = forbiddenSet;
    this.idScheme = options.idScheme ?? 'unique';
  }

  get nodes(): readonly WorkflowNode[] {
    return this.#nodes;
  }

  /** The valid operator names, sorted and comma-separated, as error messages list them. */
  get validOperatorList(): string {
    return this.#validList;
  }

  get validOperators(): ReadonlySet<string> {
    return this.#valid;
  }

  isValidOperator(name: string): boolean {
    return this.#valid.has(name);
  }

  /** Looks a node up by id, as edits do (children included). */
  getNode(id: string): WorkflowNode | undefined {
    return this.#map.get(id);
  }

  addOperator(operator: string, position?: number): EditResult {
    if (!this.#valid.has(operator)) return { success: false, message: `Invalid operator: ${operator}. Valid operators: ${this.#validList}` };
    const node = operatorNode(this.#allocateId(), operator);
    const where = this.#insert(node, position);
    return { success: true, nodeId: node.id, message: where === undefined ? `Added ${operator} at end` : `Added ${operator} at position ${where}` };
  }

  addParallel(operators: readonly string[], position?: number): EditResult {
    const forbidden = operators.filter((op) => this.#parallelForbidden.has(op));
    if (forbidden.length > 0) return { success: false, message: `${forbidden.join(', ')} cannot be inside parallel. Add them AFTER the parallel block.` };
    if (operators.length < 2) return { success: false, message: 'Parallel structure requires at least 2 operators' };
    const invalid = this.#invalid(operators);
    if (invalid !== undefined) return invalid;
    const id = this.#allocateId();
    const node: ParallelNode = frozen({ type: 'parallel', id, children: operators.map((op, i) => operatorNode(`${id}_p${i}`, op)) });
    this.#insert(node, position);
    return { success: true, nodeId: id, message: `Added parallel [${operators.join(', ')}]` };
  }

  addConditional(condition: string, trueBranch: string, falseBranch?: string, position?: number): EditResult {
    const invalid = this.#invalid(falseBranch === undefined ? [condition, trueBranch] : [condition, trueBranch, falseBranch]);
    if (invalid !== undefined) return invalid;
    const id = this.#allocateId();
    const node: ConditionalNode = frozen({
      type: 'conditional',
      id,
      condition: operatorNode(`${id}_cond`, condition),
      trueBranch: operatorNode(`${id}_true`, trueBranch),
      ...(falseBranch === undefined ? {} : { falseBranch: operatorNode(`${id}_false`, falseBranch) }),
    });
    this.#insert(node, position);
    return { success: true, nodeId: id, message: `Added conditional: ${condition} ? ${trueBranch} : ${falseBranch ?? 'done'}` };
  }

  addLoop(operators: readonly string[], count = 3, position?: number): EditResult {
    if (operators.length === 0) return { success: false, message: 'Loop requires at least 1 operator' };
    if (!Number.isInteger(count) || count < 1 || count > 10) return { success: false, message: 'Loop count must be between 1 and 10' };
    const invalid = this.#invalid(operators);
    if (invalid !== undefined) return invalid;
    const id = this.#allocateId();
    const node: LoopNode = frozen({ type: 'loop', id, count, children: operators.map((op, i) => operatorNode(`${id}_l${i}`, op)) });
    this.#insert(node, position);
    return { success: true, nodeId: id, message: `Added loop: (${operators.join(' -> ')}) * ${count}` };
  }

  removeNode(id: string): EditResult {
    const index = this.#nodes.findIndex((node) => node.id === id);
    if (index === -1) {
      if (this.#map.has(id)) return { success: false, message: `Cannot remove child node ${id}. Remove parent node instead.` };
      return { success: false, message: `Node ${id} not found` };
    }
    const [removed] = this.#nodes.splice(index, 1);
    this.#cache = new DerivedViews();
    // Mirrors the reference: the map entry for this id goes, whichever node it pointed at, and so
    // do the ids of the removed node's children (not the children of the node the id now maps to).
    this.#map.delete(id);
    if (removed !== undefined && removed.type !== 'operator') {
      for (const child of operatorsOf(removed)) this.#map.delete(child.id);
    }
    return { success: true, nodeId: id, message: `Removed node ${id}` };
  }

  modifyNode(id: string, operator: string): EditResult {
    if (!this.#valid.has(operator)) return { success: false, message: `Invalid operator: ${operator}` };
    const node = this.#map.get(id);
    if (node === undefined) return { success: false, message: `Node ${id} not found` };
    if (node.type !== 'operator') return { success: false, message: `Cannot modify non-operator node ${id}` };
    const old = node.operator;
    this.#replace(node, operatorNode(node.id, operator, node.prompt));
    return { success: true, nodeId: id, message: `Modified ${id}: ${old} -> ${operator}` };
  }

  setNodePrompt(id: string, prompt: string): EditResult & { operator?: string } {
    const node = this.#map.get(id);
    if (node === undefined) return { success: false, message: `Node ${id} not found` };
    if (node.type !== 'operator') return { success: false, message: `Cannot set prompt for non-operator node ${id}` };
    this.#replace(node, operatorNode(node.id, node.operator, prompt));
    return { success: true, nodeId: id, operator: node.operator, message: `Set custom prompt for ${node.operator} (${id})` };
  }

  toDsl(): string {
    let dsl = this.#cache.dsl;
    if (dsl === undefined) {
      dsl = '';
      for (let i = 0; i < this.#nodes.length; i++) dsl += (i === 0 ? '' : ' -> ') + renderNode(this.#nodes[i] as WorkflowNode);
      this.#cache.dsl = dsl;
    }
    return dsl;
  }

  /** `{id}: {dsl} ({type})` for each top-level node. */
  nodeList(): readonly string[] {
    return (this.#cache.nodeList ??= this.#nodes.map((node) => `${node.id}: ${renderNode(node)} (${node.type})`));
  }

  /** Every operator node in execution order (children flattened). */
  operatorNodes(): readonly OperatorNode[] {
    return (this.#cache.operatorNodes ??= this.#nodes.flatMap(operatorsOf));
  }

  /** Derived once per edit; treat the result as read-only. */
  statistics(): GraphStatistics {
    if (this.#cache.stats !== undefined) return this.#cache.stats;
    const operatorList: string[] = [];
    let uniqueTypes = 0;
    let hasParallel = false;
    let hasConditional = false;
    let hasLoop = false;
    // Operators in execution order first (the flags need the structures only), then the distinct count.
    for (const node of this.#nodes) {
      if (node.type === 'operator') operatorList.push(node.operator);
      else if (node.type === 'conditional') {
        hasConditional = true;
        operatorList.push(node.condition.operator, node.trueBranch.operator);
        if (node.falseBranch !== undefined) operatorList.push(node.falseBranch.operator);
      } else {
        if (node.type === 'parallel') hasParallel = true;
        else hasLoop = true;
        const children = node.children;
        for (let i = 0; i < children.length; i++) operatorList.push((children[i] as OperatorNode).operator);
      }
    }
    for (let i = 0; i < operatorList.length; i++) if (operatorList.indexOf(operatorList[i] as string) === i) uniqueTypes++;
    return (this.#cache.stats = Object.freeze({
      operatorList: Object.freeze(operatorList),
      totalOperators: operatorList.length,
      uniqueTypes,
      hasParallel,
      hasConditional,
      hasLoop,
      nodeCount: this.#nodes.length,
      dslLength: this.toDsl().length,
    }));
  }

  /** Prompts of every reachable operator node, keyed by node id. */
  prompts(): Record<string, { operator: string; prompt: string | undefined }> {
    const prompts: Record<string, { operator: string; prompt: string | undefined }> = {};
    for (const node of this.operatorNodes()) {
      if (this.#map.get(node.id) === node) prompts[node.id] = { operator: node.operator, prompt: node.prompt };
    }
    return prompts;
  }

  /**
   * Plain data of the graph. Nodes are immutable and shared with the live graph (edits replace
   * them), so a snapshot costs O(top-level nodes) and later edits never change it.
   */
  snapshot(): GraphSnapshot {
    return (this.#cache.snapshot ??= Object.freeze({
      nodes: Object.freeze(this.#nodes.slice()),
      nextId: this.#nextId,
      idScheme: this.idScheme,
      reachable: Object.freeze(Array.from(this.#map.keys())),
    }));
  }

  /** A graph from a snapshot (copied: later changes to `snapshot` do not reach the graph). */
  static restore(snapshot: GraphSnapshot, options: Omit<GraphOptions, 'idScheme'> = {}): WorkflowGraph {
    return WorkflowGraph.adopt(structuredClone(snapshot), options);
  }

  /** A graph from a snapshot this graph family produced, sharing its (immutable) nodes. */
  static adopt(snapshot: GraphSnapshot, options: Omit<GraphOptions, 'idScheme'> = {}): WorkflowGraph {
    const graph = new WorkflowGraph({ ...options, idScheme: snapshot.idScheme });
    graph.#nextId = snapshot.nextId;
    const reachable = new Set(snapshot.reachable);
    for (const raw of snapshot.nodes) {
      const node = Object.isFrozen(raw) ? raw : freezeNode(raw);
      graph.#nodes.push(node);
      if (reachable.has(node.id)) graph.#map.set(node.id, node);
      if (node.type !== 'operator') {
        for (const child of operatorsOf(node)) {
          if (reachable.has(child.id)) graph.#map.set(child.id, child);
        }
      }
    }
    return graph;
  }

  /** Swaps one operator node for its edited copy, in its structure, the node list and the id map. */
  #replace(old: OperatorNode, replacement: OperatorNode): void {
    this.#cache = new DerivedViews();
    const parent = this.#structureOf(old);
    if (parent === undefined) {
      const index = this.#nodes.indexOf(old);
      if (index >= 0) this.#nodes[index] = replacement;
    } else {
      const updated = withChild(parent, old, replacement);
      const index = this.#nodes.indexOf(parent);
      if (index >= 0) this.#nodes[index] = updated;
      if (this.#map.get(parent.id) === parent) this.#map.set(parent.id, updated);
    }
    if (this.#map.get(old.id) === old) this.#map.set(old.id, replacement);
  }

  /**
   * The top-level structure holding a child object. An edit only reaches children through the id
   * map, and removing a structure drops its children's ids, so a reachable child's structure is
   * always in the node list.
   */
  #structureOf(child: OperatorNode): StructureNode | undefined {
    for (const node of this.#nodes) {
      if (node.type === 'operator') continue;
      if (node.type === 'conditional' ? node.condition === child || node.trueBranch === child || node.falseBranch === child : node.children.includes(child)) return node;
    }
    return undefined;
  }

  #allocateId(): string {
    if (this.idScheme === 'positional') return `node_${this.#nodes.length + 1}`;
    // Unique ids still start at node_{n+1} so fresh graphs match the reference exactly.
    const id = Math.max(this.#nextId, this.#nodes.length + 1);
    this.#nextId = id + 1;
    return `node_${id}`;
  }

  #insert(node: WorkflowNode, position: number | undefined): number | undefined {
    this.#cache = new DerivedViews();
    let where: number | undefined;
    if (position === undefined || position >= this.#nodes.length) {
      this.#nodes.push(node);
    } else {
      where = Math.max(0, position);
      this.#nodes.splice(where, 0, node);
    }
    this.#map.set(node.id, node);
    if (node.type !== 'operator') {
      for (const child of operatorsOf(node)) this.#map.set(child.id, child);
    }
    return where;
  }

  #invalid(operators: readonly string[]): EditResult | undefined {
    const invalid = operators.filter((op) => !this.#valid.has(op));
    return invalid.length > 0 ? { success: false, message: `Invalid operators: ${invalid.join(', ')}` } : undefined;
  }
}
