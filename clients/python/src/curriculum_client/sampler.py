"""Drawing a lesson's batches from per-task datasets by the lesson's task weights."""

from __future__ import annotations

from typing import Iterator, Mapping, Sequence

import torch
from torch.utils.data import Dataset, Sampler

from .errors import CurriculumError


class WeightedTaskSampler(Sampler[tuple[str, int]]):
    """Yields (task, index) pairs: the task drawn by the lesson's weights, the example uniformly
    within that task's training set, from a generator seeded by the lesson's samplerSeed (a
    retried lesson draws the same examples). Use it with TaskMixture as a DataLoader sampler."""

    def __init__(self, sizes: Mapping[str, int], weights: Mapping[str, float], num_samples: int, seed: int) -> None:
        tasks = [t for t, w in weights.items() if w > 0]
        if not tasks:
            raise CurriculumError("CUR_CONFIG_INVALID", "taskWeights: no task has a positive weight")
        for t in tasks:
            if t not in sizes:
                raise CurriculumError("CUR_TASK_UNKNOWN", f"taskWeights.{t}: this trainer has no dataset for task {t!r} (it has {sorted(sizes)})")
            if sizes[t] == 0:
                raise CurriculumError("CUR_DATASET_EXHAUSTED", f"task {t}: the training set is empty")
        self.tasks = tasks
        self.sizes = {t: sizes[t] for t in tasks}
        self.weights = torch.tensor([float(weights[t]) for t in tasks], dtype=torch.float64)
        self.num_samples = num_samples
        self.seed = seed

    def __len__(self) -> int:
        return self.num_samples

    def __iter__(self) -> Iterator[tuple[str, int]]:
        g = torch.Generator().manual_seed(self.seed)
        picks = torch.multinomial(self.weights, self.num_samples, replacement=True, generator=g)
        for k in picks.tolist():
            task = self.tasks[k]
            yield task, int(torch.randint(self.sizes[task], (1,), generator=g).item())


class TaskMixture(Dataset):
    """Indexed by (task, index): the task's example, tagged with its task id."""

    def __init__(self, datasets: Mapping[str, Sequence[object]]) -> None:
        self.datasets = datasets

    def __getitem__(self, key: tuple[str, int]) -> tuple[str, object]:
        task, index = key
        return task, self.datasets[task][index]

    def __len__(self) -> int:
        return sum(len(d) for d in self.datasets.values())
