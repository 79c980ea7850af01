// Generators of task families where the order of training is known to matter (issue 13):
// kept out of spec.ts so each family's knobs and their documentation live in one place.
import { Type } from '@sinclair/typebox';

export const SPARSE_PARITY_MAX_BITS = 1024;

export const SparseParityGenerator = Type.Object(
  {
    kind: Type.Literal('sparse-parity'),
    bits: Type.Integer({ minimum: 1, maximum: SPARSE_PARITY_MAX_BITS, description: 'n: random input bits of each example' }),
    relevant: Type.Integer({
      minimum: 1,
      maximum: SPARSE_PARITY_MAX_BITS,
      description:
        'k: the label is the parity of the first k bits, the same bits in every task of the run, so a ladder that grows n keeps the rule (a fully connected model does not care which positions they are); at most bits',
    }),
  },
  {
    additionalProperties: false,
    description:
      'sparse parity (Abbe et al. 2023; Cornacchia & Mossel 2023): n bits of +-1, label the parity of k fixed bits; inputs are as wide as the widest parity task of the run, the unused tail zero. Label noise: the task noise option (noise.labelNoise flips the training label; held-out stays clean)',
  },
);
