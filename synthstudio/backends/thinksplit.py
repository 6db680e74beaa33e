"""Split streamed text that carries reasoning inline as ``<think>...</think>``.

Many OpenAI-compatible servers (and raw model output) put a reasoning model's thinking
in the content itself. :class:`ThinkSplitter` takes the text piece by piece, in chunks
cut at any point (a tag may arrive as ``"<thi"`` + ``"nk>"``), and returns typed deltas.
The result does not depend on where the text was cut.

Whitespace right after ``<think>`` and right after ``</think>`` is dropped (models write
``"<think>\\n"`` and ``"</think>\\n\\n"``); everything else is kept as sent.
"""

from __future__ import annotations

from synthstudio.backends.base import ContentDelta, ThinkingDelta

OPEN_TAG = "<think>"
CLOSE_TAG = "</think>"

Delta = ContentDelta | ThinkingDelta


def _partial_tag_len(text: str, tag: str) -> int:
    """Length of the longest end of ``text`` that is a proper start of ``tag``."""
    for n in range(min(len(tag) - 1, len(text)), 0, -1):
        if text.endswith(tag[:n]):
            return n
    return 0


class ThinkSplitter:
    """Turn a stream of text pieces into content and thinking deltas.

    ``feed(text)`` returns the deltas that are certain so far (a possible partial tag at
    the end is held back); ``flush()`` returns what is held at the end of the stream.
    ``start_in_think=True`` is for chat templates that open the ``<think>`` block in the
    prompt, so the output starts with thinking and only closes it.
    """

    def __init__(self, *, start_in_think: bool = False) -> None:
        self.in_think = start_in_think
        self._held = ""
        self._strip = start_in_think  # drop leading whitespace of the next segment

    def feed(self, text: str) -> list[Delta]:
        out: list[Delta] = []
        buf = self._held + text
        self._held = ""
        while buf:
            tag = CLOSE_TAG if self.in_think else OPEN_TAG
            idx = buf.find(tag)
            if idx >= 0:
                self._emit(out, buf[:idx])
                buf = buf[idx + len(tag):]
                self.in_think = not self.in_think
                self._strip = True
                continue
            keep = _partial_tag_len(buf, tag)
            self._emit(out, buf[:len(buf) - keep])
            self._held = buf[len(buf) - keep:]
            break
        return out

    def flush(self) -> list[Delta]:
        out: list[Delta] = []
        held, self._held = self._held, ""
        self._emit(out, held)
        return out

    def _emit(self, out: list[Delta], text: str) -> None:
        if self._strip and text:
            text = text.lstrip()
            if text:
                self._strip = False
        if not text:
            return
        kind = ThinkingDelta if self.in_think else ContentDelta
        if out and isinstance(out[-1], kind):
            out[-1] = kind(out[-1].text + text)
        else:
            out.append(kind(text))


def split_all(text: str, *, start_in_think: bool = False) -> tuple[str, str]:
    """Split a whole text at once: ``(content, thinking)``."""
    sp = ThinkSplitter(start_in_think=start_in_think)
    content: list[str] = []
    thinking: list[str] = []
    for d in [*sp.feed(text), *sp.flush()]:
        (thinking if isinstance(d, ThinkingDelta) else content).append(d.text)
    return "".join(content), "".join(thinking)
