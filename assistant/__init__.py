"""Palermo's question answering: `from assistant import Assistant`."""

from assistant.records import Answer, Citation, Filters, Passage
from assistant.service import Assistant, EmptyStoreError
from assistant.settings import Settings

__all__ = ["Answer", "Assistant", "Citation", "EmptyStoreError", "Filters", "Passage", "Settings"]
