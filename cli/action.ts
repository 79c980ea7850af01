// `curriculum action RUN_ID ACTION`: an operator action on a run of a running controller,
// through its HTTP API. A refusal is printed as the API gives it: for an action the run cannot
// take now (409 CUR_ACTION_INVALID), the run's state and the actions valid in it.
import { parseArgs } from 'node:util';
import { OPERATOR_ACTIONS, type OperatorAction } from '../schemas/events.ts';

const USAGE = `usage: curriculum action RUN_ID ACTION [options]

ACTION is one of ${OPERATOR_ACTIONS.join(', ')}.

options:
  --url URL          the controller's HTTP address (default http://127.0.0.1:$CURRICULUM_PORT, port 9400)
  --token TOKEN      bearer token (default $CURRICULUM_API_TOKEN)
  --checkpoint ID    revert only: the checkpoint to go back to
  --note TEXT        recorded with the decision`;

interface ErrorAnswer {
  error?: { code?: string; message?: string; details?: string[]; state?: string; validActions?: string[] };
}

function isAction(a: string | undefined): a is OperatorAction {
  return (OPERATOR_ACTIONS as readonly string[]).includes(a ?? '');
}

export async function actionCommand(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      token: { type: 'string' },
      checkpoint: { type: 'string' },
      note: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [runId, action] = positionals;
  if (values.help || runId === undefined || !isAction(action) || positionals.length !== 2) {
    if (!values.help && action !== undefined && !isAction(action)) console.error(`unknown action "${action}"`);
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  const base = values.url ?? `http://127.0.0.1:${process.env.CURRICULUM_PORT ?? '9400'}`;
  const token = values.token ?? process.env.CURRICULUM_API_TOKEN ?? '';
  const body = { action, ...(values.checkpoint ? { checkpointId: values.checkpoint } : {}), ...(values.note ? { note: values.note } : {}) };
  const response = await fetch(new URL(`/api/runs/${encodeURIComponent(runId)}/actions`, base), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-requested-by': 'curriculum-cli' },
    body: JSON.stringify(body),
  });
  if (response.status === 202) {
    console.log(`accepted: ${action} on run ${runId}`);
    return 0;
  }
  const answer = (await response.json().catch(() => ({}))) as ErrorAnswer;
  const e = answer.error ?? {};
  console.error(`refused (HTTP ${response.status}) ${e.code ?? ''}: ${e.message ?? response.statusText}`);
  if (e.state !== undefined) console.error(`  run state:     ${e.state}`);
  if (e.validActions !== undefined) console.error(`  valid actions: ${e.validActions.length > 0 ? e.validActions.join(', ') : 'none'}`);
  else for (const d of e.details ?? []) console.error(`  - ${d}`);
  return 1;
}
