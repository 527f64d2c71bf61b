"""Palermo's question answering: `from assistant import Assistant`."""

from assistant.records import Answer, Citation, EmptyStoreError, Filters, Passage
from assistant.service import Assistant
from common.settings import Settings

__all__ = ["Answer", "Assistant", "Citation", "EmptyStoreError", "Filters", "Passage", "Settings"]
