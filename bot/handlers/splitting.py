"""Split long text into chunks a platform accepts, preferring paragraph, line and word breaks."""

from __future__ import annotations


def split_text(text: str, limit: int) -> list[str]:
    """Chunks of at most ``limit`` characters; never an empty list for non-empty text."""
    if limit < 1:
        raise ValueError("limit must be positive")
    chunks: list[str] = []
    rest = text
    while len(rest) > limit:
        window = rest[:limit]
        cut = max(window.rfind("\n\n"), window.rfind("\n"), window.rfind(" "))
        if cut < limit // 2:
            cut = limit  # no good break nearby: cut mid-word rather than make tiny chunks
        chunk, rest = rest[:cut].rstrip(), rest[cut:].lstrip()
        if chunk:
            chunks.append(chunk)
    if rest.strip():
        chunks.append(rest)
    return chunks
