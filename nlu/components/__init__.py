"""Rasa graph components of our own. Loaded by the Rasa server from its own environment (Python 3.10,
the `rasa` package); nothing in bot/, catalog/ or actions/ imports them."""
