// Which layers of a fine-tuned model train, and at what learning rate. The head is the model's
// last layer with weights (the fresh dense head when trainer/pretrained.ts replaced or added
// one); every other layer with weights is the body, counted from the top. A stage trains the
// head plus the top n body layers (ULMFiT's gradual unfreezing), and the body may learn at a
// fraction of the head's rate (discriminative fine-tuning).
import * as tf from '@tensorflow/tfjs';
import type { PretrainedModel } from '../schemas/spec.ts';
import { CurriculumError } from '../schemas/errors.ts';
import { buildOptimizer, setLearningRate, type OptimizerKind } from './optimizer.ts';

type Layer = tf.LayersModel['layers'][number];
type NamedTensor = Awaited<ReturnType<tf.Optimizer['getWeights']>>[number];

export interface LayerGroups {
  head: Layer;
  /** Body layers with weights, top (next to the head) first. */
  body: Layer[];
}

export function layerGroups(model: tf.LayersModel): LayerGroups {
  const weighted = model.layers.filter((l) => l.weights.length > 0);
  const head = weighted[weighted.length - 1];
  if (!head) throw new CurriculumError('CUR_MODEL_FILE', `model ${model.name} has no layer with weights to train`);
  return { head, body: weighted.slice(0, -1).reverse() };
}

/** Body layers a stage trains: spec.unfreeze[stage], every layer when the stage is not listed. */
export function unfrozenBodyLayers(spec: PretrainedModel, stageId: string, bodyLayers: number): number {
  const setting = spec.unfreeze?.[stageId] ?? 'all';
  return setting === 'all' ? bodyLayers : Math.min(setting, bodyLayers);
}

/** Freezes the body below the stage's unfrozen top layers; returns how many body layers train. */
export function applyStageFreezing(model: tf.LayersModel, spec: PretrainedModel, stageId: string): number {
  const { head, body } = layerGroups(model);
  const unfrozen = unfrozenBodyLayers(spec, stageId, body.length);
  head.trainable = true;
  body.forEach((layer, i) => (layer.trainable = i < unfrozen));
  return unfrozen;
}

/**
 * Two optimizers of one kind, one for the head's variables and one for the body's, so the body
 * can learn at a lower rate: scaling gradients would not do it (Adam and RMSProp are invariant
 * to the gradient's scale). tfjs optimizers keep their slots by position in the gradient list,
 * so body gradients are always passed top layer first: unfreezing more layers only appends.
 */
export class DiscriminativeOptimizer extends tf.Optimizer {
  static readonly className = 'DiscriminativeOptimizer';
  private readonly head: tf.Optimizer;
  private readonly body: tf.Optimizer;
  private readonly headNames: ReadonlySet<string>;
  private readonly bodyOrder: readonly string[];
  private readonly bodyNames: ReadonlySet<string>;

  constructor(
    model: tf.LayersModel,
    kind: OptimizerKind,
    private readonly bodyFactor: number,
  ) {
    super();
    const groups = layerGroups(model);
    this.headNames = new Set(groups.head.weights.map((w) => w.name));
    this.bodyOrder = groups.body.flatMap((l) => l.weights.map((w) => w.name));
    this.bodyNames = new Set(this.bodyOrder);
    this.head = buildOptimizer(kind, 1e-3);
    this.body = buildOptimizer(kind, 1e-3 * bodyFactor);
  }

  setLearningRate(learningRate: number): void {
    setLearningRate(this.head, learningRate);
    setLearningRate(this.body, learningRate * this.bodyFactor);
  }

  applyGradients(gradients: tf.NamedTensorMap | NamedTensor[]): void {
    const all: tf.NamedTensorMap = Array.isArray(gradients) ? Object.fromEntries(gradients.map((g) => [g.name, g.tensor])) : gradients;
    const head: tf.NamedTensorMap = {};
    const body: tf.NamedTensorMap = {};
    for (const name of Object.keys(all)) {
      if (this.headNames.has(name)) head[name] = all[name] as tf.Tensor;
      else if (!this.bodyNames.has(name)) throw new CurriculumError('CUR_COMMAND_FAILED', `gradient for ${name}, a variable outside the model's layers`);
    }
    for (const name of this.bodyOrder) if (all[name]) body[name] = all[name];
    if (Object.keys(head).length > 0) this.head.applyGradients(head);
    if (Object.keys(body).length > 0) this.body.applyGradients(body);
    this.incrementIterations();
  }

  /** [own iterations, then each part's weights (its iterations first) under a head:/body: prefix]. */
  override async getWeights(): Promise<NamedTensor[]> {
    const prefixed = async (prefix: string, o: tf.Optimizer) => (await o.getWeights()).map((w) => ({ name: `${prefix}${w.name}`, tensor: w.tensor }));
    return [await this.saveIterations(), ...(await prefixed('head:', this.head)), ...(await prefixed('body:', this.body))];
  }

  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const rest = await this.extractIterations(weightValues);
    const part = (prefix: string) => rest.filter((w) => w.name.startsWith(prefix)).map((w) => ({ name: w.name.slice(prefix.length), tensor: w.tensor }));
    const head = part('head:');
    const body = part('body:');
    if (head.length > 0) await this.head.setWeights(head);
    if (body.length > 0) await this.body.setWeights(body);
  }

  override dispose(): void {
    this.head.dispose();
    this.body.dispose();
    super.dispose();
  }

  getConfig(): tf.serialization.ConfigDict {
    return { bodyFactor: this.bodyFactor };
  }
}
