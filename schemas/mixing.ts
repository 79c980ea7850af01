// No-regret mixing (issue 13): a stage option, kept in its own file so spec.ts only references it.
import { Type } from '@sinclair/typebox';

// No default: a spec (or a stored snapshot's spec) without it plans its lessons exactly as before.
export const StageMix = Type.Optional(
  Type.Number({
    minimum: 0,
    maximum: 1,
    description:
      "share of every lesson drawn uniformly over all tasks of the curriculum, whatever the stage trains (Zaremba & Sutskever 2014's \"combined\" strategy): a stage never starves the tasks uniform sampling would learn in parallel, so an easy-to-hard ladder cannot fall far behind uniform; applied after the teacher, shifts and reviews, before the floor (absent: 0)",
  }),
);
