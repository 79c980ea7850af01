// Which operator actions a run can take in its current state: read off the statechart, so the
// API's answer (409 with the valid actions) cannot drift from what the core would apply.
import { OPERATOR_ACTIONS, type OperatorAction } from '../../schemas/events.ts';
import { runMachine, type MachineEventType, type PersistedMachine } from './machine.ts';

/** The statechart event each operator action sends (apply-event.ts's onOperator). */
const EVENT_OF: { readonly [A in OperatorAction]: MachineEventType } = {
  pause: 'PAUSE',
  resume: 'RESUME',
  stop: 'STOP',
  'force-advance': 'ADVANCE',
  revert: 'REVERT',
};

/** The operator actions the run's statechart accepts now, in catalogue order. */
export function validOperatorActions(machine: PersistedMachine): OperatorAction[] {
  const snapshot = runMachine.resolveState({ value: machine.value, context: machine.context });
  return OPERATOR_ACTIONS.filter((a) => snapshot.can({ type: EVENT_OF[a] }));
}
