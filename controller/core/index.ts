// The controller core: a pure function from (run snapshot, event) to (snapshot, commands,
// decisions). No I/O, no clock, no ambient randomness; the runtime around it does the effects.
export { MACHINE_ID, MACHINE_VERSION } from './snapshot.ts';
export type { RunSnapshot, RunData } from './snapshot.ts';
export { createRun, applyEvent } from './apply-event.ts';
export type { TickEvent, PooledFeedbackEvent, CoreOutcome, CoreResult } from './apply-event.ts';
export { restoreSnapshot } from './migrations.ts';
export { describeRun } from './describe.ts';
export type { RunView } from './describe.ts';
export { runMachine, stateName } from './machine.ts';
export { validOperatorActions } from './operator-actions.ts';
export { statechartMermaid } from './statechart-diagram.ts';
export type { Decision } from '../../schemas/events.ts';
