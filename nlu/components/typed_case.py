"""WhitespaceTokenizer that trains on the capital letters phones type.

Our training sentences are written in lower case (95-100 % of each intent's, `inform` aside), but
phones capitalise a message's first letter and buyers often write a short query in title case
("Hair Fall"). The one intent whose examples start with capitals is `inform` (places, countries,
addresses), so the model learnt that a capital letter means an answer to a question: on the dev
sets bare product names were read as `inform`. Words and character n-grams are lower-cased before
they become features; only LexicalSyntacticFeaturizer sees the case (title / upper / lower per
token). So while training, one example in four gets its first letter capitalised and one in four,
if it is at most three words long, each word's first letter (chosen by a checksum of the text: the
same every training); the others stay as written. Nothing changes when a message is answered.
"""

from __future__ import annotations

import zlib

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.training_data import TrainingData

SHORT = 3  # words: a query this short is often typed in title case


def as_typed(text: str) -> str:
    """The text as a phone might have typed it; never a different length (entity offsets)."""
    if not text[:1].islower():
        return text
    style = zlib.crc32(text.encode("utf-8")) % 4
    if style == 2:
        typed = text[:1].upper() + text[1:]
    elif style == 3 and len(text.split()) <= SHORT:
        typed = " ".join(word[:1].upper() + word[1:] for word in text.split(" "))
    else:
        return text
    return typed if len(typed) == len(text) else text


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class TypedCaseWhitespaceTokenizer(WhitespaceTokenizer):
    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for example in training_data.training_examples:
            text = example.get(TEXT)
            if isinstance(text, str) and text:
                example.set(TEXT, as_typed(text))
        return super().process_training_data(training_data)
