// The controller as the HTTP API sees it (observability/http-server.ts's ControlPlane).
import type { ControllerService } from './controller-service.ts';
import type { ActOptions, ControlPlane, OperatorAction, RunDetailView, RunSummaryView } from '../../observability/http-server.ts';
import type { RunView } from '../core/index.ts';
import { parseSpecValue } from '../../schemas/spec-loader.ts';

export interface ControlPlaneOptions {
  /** Wall clock for run ids of runs started over the API. */
  clock?: () => Date;
}

export function controlPlaneFor(controller: ControllerService, options: ControlPlaneOptions = {}): ControlPlane {
  const clock = options.clock ?? (() => new Date());
  return {
    async listRuns() {
      return (await controller.listViews()).map(summaryOf);
    },
    async getRun(runId) {
      const view = await controller.view(runId);
      if (!view) return undefined;
      const detail: RunDetailView = {
        ...summaryOf(view),
        decisions: controller.recentDecisions(runId).map((d) => ({ ...d, reasons: d.reasons })),
        tasks: Object.fromEntries(
          [...new Set([...Object.keys(view.heldout), ...Object.keys(view.weights)])].map((t) => [
            t,
            { ...(view.heldout[t] !== undefined ? { accuracy: view.heldout[t] } : {}), ...(view.weights[t] !== undefined ? { weight: view.weights[t] } : {}) },
          ]),
        ),
        continualLearning: view.continualLearning,
        reviews: view.reviews,
        reverts: view.reverts,
      };
      return detail;
    },
    async startRun(spec, requestedBy) {
      // Validate here too, so the caller gets a 400 naming the fields instead of a silent rejection later.
      const resolved = parseSpecValue(spec, 'request body');
      const runId = `${resolved.name}-${clock().toISOString().replace(/[-:.]/g, '').toLowerCase()}`;
      await controller.startRun(resolved, runId, requestedBy ? `api:${requestedBy}` : undefined);
      return { runId };
    },
    async act(runId: string, action: OperatorAction, opts: ActOptions) {
      await controller.act(runId, action, opts);
    },
  };
}

function summaryOf(view: RunView): RunSummaryView {
  return { runId: view.runId, name: view.name, state: view.state, stage: view.stageId, stageIndex: view.stageIndex, step: view.step, terminal: view.terminal };
}
