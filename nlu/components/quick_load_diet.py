"""DIETClassifier whose load skips TensorFlow's tracing of the training step, and whose training can
average the weights of its last epochs (``average_last_epochs``, nlu/components/weight_average.py).

Rasa's ``RasaModel.load`` builds a model's weights by fitting it on one example before loading the
trained weights. With ``run_eagerly: false`` that fit traces the whole training graph (forward pass,
gradients, optimizer): about three quarters of the Rasa server's start-up on our model, for a graph
that a server never runs. This class does that one-example fit eagerly (same weights, no tracing),
then switches the model back to graph mode and traces the prediction step once, so answers are
computed exactly as before. Training is DIETClassifier's own: only loading differs.
"""

from __future__ import annotations

import copy
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.diet_classifier import DIETClassifier
from rasa.nlu.extractors.extractor import EntityTagSpec
from rasa.shared.nlu.constants import TEXT
from rasa.utils.tensorflow.constants import EPOCHS, RUN_EAGERLY
from rasa.utils.tensorflow.model_data import RasaModelData
from rasa.utils.tensorflow.models import RasaModel

from nlu.components.weight_average import average_last_epochs

AVERAGE_LAST_EPOCHS = "average_last_epochs"


@DefaultV1Recipe.register(
    [
        DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER,
        DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR,
    ],
    is_trainable=True,
)
class QuickLoadDIETClassifier(DIETClassifier):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**DIETClassifier.get_default_config(), AVERAGE_LAST_EPOCHS: 0}

    def _instantiate_model_class(self, model_data: RasaModelData) -> RasaModel:
        model = super()._instantiate_model_class(model_data)
        last = int(self.component_config[AVERAGE_LAST_EPOCHS])
        if last:
            average_last_epochs(model, self.component_config[EPOCHS], last)
        return model

    @classmethod
    def _load_model_class(
        cls,
        tf_model_file: str,
        model_data_example: RasaModelData,
        label_data: RasaModelData,
        entity_tag_specs: list[EntityTagSpec],
        config: dict[str, Any],
        finetune_mode: bool,
    ) -> RasaModel:
        if finetune_mode or config.get(RUN_EAGERLY):
            return super()._load_model_class(
                tf_model_file,
                model_data_example,
                label_data,
                entity_tag_specs,
                config,
                finetune_mode,
            )
        eager: dict[str, Any] = copy.deepcopy(config)
        eager[RUN_EAGERLY] = True
        model = super()._load_model_class(
            tf_model_file, model_data_example, label_data, entity_tag_specs, eager, finetune_mode
        )
        model.run_eagerly = False  # predictions run as a traced graph, as with DIETClassifier
        text_only = RasaModelData(
            label_key=model_data_example.label_key,
            data={name: features for name, features in model_data_example.items() if TEXT in name},
        )
        model.run_inference(text_only)  # trace the prediction step now, not on the first message
        return model
