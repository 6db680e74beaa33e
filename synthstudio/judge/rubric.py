"""The judge's rubric: a plain-text template, versioned by a hash of its text.

The default is the ``judge_rubric`` prompt (a copy in the user's prompt directory wins,
like every template); ``[judge] rubric = "PATH"`` names any other file. Placeholders:
``{instruction}``, ``{input}``, ``{response}``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from synthstudio import prompts
from synthstudio.boundary import files
from synthstudio.errors import InputError

RUBRIC_NAME = "judge_rubric"

#: the reply the judge is asked for, where the backend can constrain output
SCHEMA: dict[str, object] = {
    "type": "object",
    "properties": {
        "score": {"type": "number", "minimum": 0, "maximum": 5},
        "reason": {"type": "string"},
    },
    "required": ["score", "reason"],
}


@dataclass(frozen=True, slots=True)
class Rubric:
    text: str
    #: where the text came from (a path)
    source: str

    @property
    def version(self) -> str:
        """The first 12 hex digits of the SHA-256 of the template's text."""
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()[:12]

    def render(self, instruction: str, input: str, response: str) -> str:
        return prompts.fill(self.text, instruction=instruction, input=input,
                            response=response)


def load_rubric(path: str = "") -> Rubric:
    """The rubric at ``path``, or the ``judge_rubric`` prompt; bad files name themselves."""
    if not path:
        return _checked(Rubric(prompts.load(RUBRIC_NAME),
                               str(prompts.template_path(RUBRIC_NAME))))
    file = Path(path).expanduser()
    return _checked(Rubric(files.read_text(file, what="rubric file"), str(file)))


def _checked(rubric: Rubric) -> Rubric:
    if "{response}" not in rubric.text:
        raise InputError("the rubric has no {response} placeholder, so the judge would "
                         "never see the item", path=rubric.source,
                         hint="Add {instruction}, {input} and {response} where they belong.")
    return rubric
