"""Gradio chat app (see issue: the chat app)."""
