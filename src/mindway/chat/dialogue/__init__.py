"""The dialogue manager: flows as data, intents from embeddings, crisis first."""

from mindway.chat.dialogue.companion import Companion
from mindway.chat.dialogue.state import Conversation, TurnResult

__all__ = ["Companion", "Conversation", "TurnResult"]
