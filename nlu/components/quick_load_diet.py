"""DIETClassifier that loads without training machinery, and can average its last epochs' weights.

Rasa's ``RasaModel.load`` builds a model's weights by fitting it on one example before loading the
trained weights. With ``run_eagerly: false`` that fit traces the whole training graph (forward pass,
gradients, optimizer): about three quarters of the Rasa server's start-up on our model, for a graph
that a server never runs; and the fit leaves an optimizer with two slot variables per weight.
This class computes the training loss on that one example once, eagerly (same weights, no
tracing, no optimizer: ~200 MB less resident memory on our model), loads the trained weights, then
switches the model back to graph mode and traces the prediction step once, so answers are computed
exactly as before. Training is DIETClassifier's own, except that with ``average_last_epochs`` the
weights it ends with are the mean of its last epochs' (nlu/components/weight_average.py).
"""

from __future__ import annotations

import copy
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.diet_classifier import DIETClassifier
from rasa.nlu.extractors.extractor import EntityTagSpec
from rasa.shared.nlu.constants import TEXT
from rasa.utils.tensorflow.constants import EPOCHS, RUN_EAGERLY
from rasa.utils.tensorflow.data_generator import RasaBatchDataGenerator
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
        model = cls.model_class()(
            data_signature=model_data_example.get_signature(),
            label_data=label_data,
            entity_tag_specs=entity_tag_specs,
            config=eager,
        )
        # RasaModel.load fits the model on one example to build its weights, which also leaves an
        # optimizer with two slot variables per weight, and the fit's gradients (~200 MB resident on
        # our model), that a server never uses. Computing the training loss on that example once,
        # eagerly, builds the same weights with neither; the checkpoint's optimizer state is left
        # unread.
        example, _ = RasaBatchDataGenerator(model_data_example, batch_size=1)[0]
        model.batch_loss(example)
        model.load_weights(tf_model_file).expect_partial()
        model.run_eagerly = False  # predictions run as a traced graph, as with DIETClassifier
        text_only = RasaModelData(
            label_key=model_data_example.label_key,
            data={name: features for name, features in model_data_example.items() if TEXT in name},
        )
        model.run_inference(text_only)  # trace the prediction step now, not on the first message
        return model
