// A mermaid stateDiagram drawn from the machine definition itself, so the picture in
// docs/statechart.md cannot drift from the code (a test compares them).
import type { AnyStateNode } from 'xstate';
import { runMachine } from './machine.ts';

function nodeName(node: AnyStateNode): string {
  return node.path.join('_') || 'run';
}

function transitionLines(node: AnyStateNode, indent: string): string[] {
  const lines: string[] = [];
  for (const [eventType, transitions] of node.transitions) {
    for (const t of transitions) {
      for (const target of t.target ?? []) {
        const guard = t.guard ? ` [${typeof t.guard === 'string' ? t.guard : ((t.guard as { type?: string; params?: { state?: string } }).params?.state ?? (t.guard as { type?: string }).type ?? 'guard')}]` : '';
        lines.push(`${indent}${nodeName(node)} --> ${nodeName(target)}: ${eventType}${guard}`);
      }
    }
  }
  return lines;
}

function render(node: AnyStateNode, indent: string): string[] {
  const lines: string[] = [];
  const children = Object.values(node.states) as AnyStateNode[];
  if (node.initial && children.length > 0) {
    const initial = node.initial.target[0];
    if (initial) lines.push(`${indent}[*] --> ${nodeName(initial)}`);
  }
  for (const child of children) {
    const grandChildren = Object.values(child.states);
    if (grandChildren.length > 0) {
      lines.push(`${indent}state ${nodeName(child)} {`);
      lines.push(...render(child, `${indent}  `));
      lines.push(`${indent}}`);
    }
  }
  for (const child of children) {
    if (child.type === 'final') lines.push(`${indent}${nodeName(child)} --> [*]`);
    lines.push(...transitionLines(child, indent));
  }
  return lines;
}

export function statechartMermaid(): string {
  return ['stateDiagram-v2', ...render(runMachine.root, '  ')].join('\n');
}
