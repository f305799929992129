"""The Rasa action server's actions, one module per flow; rasa_sdk imports this package.

Importing it adds the redacting log filter to the handlers rasa_sdk has set up, so the action
server's logs, like the web app's, never print a phone number, an address's digits or a token.
"""

from bot.ops import logs
from bot.ops.settings import SettingsError, load

try:
    logs.install(load().secrets)
except SettingsError:  # the web app refuses such settings and names them; still redact
    logs.install()
