"""The bottom layer every other package may import: the one settings object."""
