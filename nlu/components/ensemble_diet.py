"""DIETClassifier trained several times with different seeds; intents from the average of them.

One DIET run on our data moves each dev figure by 0.02-0.05 with the seed alone (README, session 12's
seed study). ``member_seeds: [7, 13]`` trains one more DIET model per seed on the same features,
besides the one seeded with ``random_seed``; a message's intent confidences are the mean of all the
models' confidences, so the ranking (and the FallbackClassifier's threshold after it) rests on
several runs rather than one.
Entities come from the first model alone. The first model is this component itself (stored as
usual); the others are stored inside its resource, each in a model storage of its own, so Rasa's
training cache and model archive carry them with it. With no ``member_seeds`` it is
QuickLoadDIETClassifier. config.yml has one more run (README, "Session 14").
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.utils.tensorflow.constants import RANDOM_SEED

from nlu.components.quick_load_diet import QuickLoadDIETClassifier

MEMBER_SEEDS = "member_seeds"
MEMBER_RESOURCE = Resource("member")


@DefaultV1Recipe.register(
    [
        DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER,
        DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR,
    ],
    is_trainable=True,
)
class EnsembleDIETClassifier(QuickLoadDIETClassifier):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**QuickLoadDIETClassifier.get_default_config(), MEMBER_SEEDS: []}

    def __init__(self, config: dict[str, Any], *args: Any, **kwargs: Any) -> None:
        super().__init__(config, *args, **kwargs)
        self.others: list[QuickLoadDIETClassifier] = []

    def _member_config(self, index: int) -> dict[str, Any]:
        config = copy.deepcopy(self.component_config)
        config[RANDOM_SEED] = int(config.pop(MEMBER_SEEDS)[index - 1])
        return config

    def _member_storage(self, directory: Path, index: int) -> ModelStorage:
        path = directory / f"member-{index}"
        path.mkdir(exist_ok=True)
        return LocalModelStorage(path)

    def train(self, training_data: TrainingData) -> Resource:
        resource = super().train(training_data)
        for index in range(1, 1 + len(self.component_config[MEMBER_SEEDS])):
            with self._model_storage.write_to(self._resource) as directory:
                member = QuickLoadDIETClassifier.create(
                    self._member_config(index),
                    self._member_storage(directory, index),
                    MEMBER_RESOURCE,
                    self._execution_context,
                )
                member.train(training_data)
            self._check_labels(member)
            self.others.append(member)
        return resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> EnsembleDIETClassifier:
        component = super().load(config, model_storage, resource, execution_context, **kwargs)
        if component.model is None:
            return component
        with model_storage.read_from(resource) as directory:
            for index in range(1, 1 + len(component.component_config[MEMBER_SEEDS])):
                member = QuickLoadDIETClassifier.load(
                    component._member_config(index),
                    component._member_storage(directory, index),
                    MEMBER_RESOURCE,
                    execution_context,
                )
                component._check_labels(member)
                component.others.append(member)
        return component

    def _check_labels(self, member: QuickLoadDIETClassifier) -> None:
        if member.model is None or member.index_label_id_mapping != self.index_label_id_mapping:
            raise ValueError("an ensemble member was trained on other intents than the first model")

    def _predict(self, message: Message) -> dict[str, Any] | None:
        if self.model is None:
            return None
        data = self._create_model_data([message], training=False)
        if data.is_empty():
            return None
        out = self.model.run_inference(data)
        if self.others:
            scores = [out["i_scores"]] + [m.model.run_inference(data)["i_scores"] for m in self.others]
            out["i_scores"] = np.mean(scores, axis=0)
        return out
