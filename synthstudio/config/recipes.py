"""The settings of each recipe: one typed model per recipe, a docstring per field.

``Settings`` (:mod:`synthstudio.config.settings`) holds one of each as ``self_instruct``,
``textbook`` and ``reasoning``; the config file has a table for each.
"""

from __future__ import annotations

from typing import get_args

from pydantic import BaseModel, Field

from synthstudio.config.choices import (
    Audience,
    NoiseFilterName,
    StructuredMode,
    Style,
    TextbookMode,
)

#: words per style (lower, upper) when the config sets none
DEFAULT_LENGTHS: dict[Style, tuple[int, int]] = {
    "textbook": (250, 3000),
    "story": (200, 2500),
    "howto": (150, 2500),
    "blog": (150, 2000),
}

DEFAULT_BLACKLIST = [
    "image", "images", "graph", "graphs", "picture", "pictures", "file", "files",
    "map", "maps", "draw", "plot", "go to",
]


class SelfInstructSettings(BaseModel):
    """Knobs of the Self-Instruct recipe (defaults follow the paper)."""

    rouge_threshold: float = Field(0.7, ge=0.0, le=1.0)
    """Reject an instruction whose ROUGE-L F-measure with any pool instruction exceeds this."""
    min_words: int = Field(4, ge=0)
    """Reject instructions with fewer words (the paper rejects 3 words or fewer)."""
    max_words: int = Field(150, ge=1)
    """Reject instructions with more words than this."""
    blacklist: list[str] = Field(default_factory=lambda: list(DEFAULT_BLACKLIST))
    """Words and phrases a text model cannot act on; matched as whole words, any case."""
    extra_blacklist: list[str] = Field(default_factory=list)
    """Words added to the blacklist without replacing the defaults."""
    reject_non_ascii_start: bool = True
    """Reject instructions that start with a non-ASCII character, as the paper does, except
    CJK letters (so Chinese instructions pass). Punctuation and symbols at the start are
    always rejected."""
    structured: StructuredMode = "auto"
    """Ask the model for JSON-schema constrained answers for classification and instances:
    auto (only for the tiny embedded model), on, off (plain text, as in the paper)."""
    max_requests_per_item: int = Field(12, ge=1)
    """A headless run gives up after this many instruction requests per wanted item."""
    human_tasks: int = Field(6, ge=0)
    """Seed tasks in each instruction-generation prompt."""
    machine_tasks: int = Field(2, ge=0)
    """Accepted machine tasks in each prompt (seeds fill in while there are fewer)."""
    max_instances: int = Field(5, ge=1)
    """Instances kept per generated task."""
    request_tokens: int = Field(512, ge=16)
    """Token limit of one instruction-generation request."""
    instance_tokens: int = Field(384, ge=16)
    """Token limit of one instance-generation request."""



class TextbookSettings(BaseModel):
    """Knobs of the textbook recipe (Phi / Cosmopedia): ``[textbook]`` in the config file."""

    audiences: list[Audience] = Field(default_factory=lambda: list(get_args(Audience)),
                                     min_length=1)
    """Audiences to write for (young_children, high_school, college, researchers)."""
    styles: list[Style] = Field(default_factory=lambda: list(get_args(Style)), min_length=1)
    """Styles to write in (textbook, story, howto, blog)."""
    mode: TextbookMode = "even"
    """even: one text a step, least-covered combination first; all_audiences: one topic
    and style for all audiences a step."""
    min_words: dict[Style, int] = Field(default_factory=dict)
    """Per-style lower length bounds, merged over the defaults."""
    max_words: dict[Style, int] = Field(default_factory=dict)
    """Per-style upper length bounds, merged over the defaults."""
    near_dup_threshold: float = Field(0.7, gt=0.0, le=1.0)
    """Reject a text whose estimated Jaccard (word 5-grams) with a pool text reaches this."""
    num_perm: int = Field(128, ge=16, le=1024)
    """MinHash permutations for the near-duplicate check (more: finer, slower)."""
    max_tokens: int = Field(2048, ge=16)
    """Token limit of one request."""
    temperature: float | None = Field(None, ge=0.0, le=2.0)
    """None: the global temperature."""
    reject_truncated: bool = True
    """Reject a text cut off at the token limit (it ends mid-sentence)."""
    noise_thresholds: dict[NoiseFilterName, float] = Field(default_factory=dict)
    """Noise filter thresholds by name (html, keyboard_mash, repetition, ...)."""
    noise_disable: list[NoiseFilterName] = Field(default_factory=list)
    """Noise filters not to run."""

    def lengths(self) -> dict[str, tuple[int, int]]:
        return {s: (self.min_words.get(s, lo), self.max_words.get(s, hi))
                for s, (lo, hi) in DEFAULT_LENGTHS.items()}


class ReasoningSettings(BaseModel):
    """Knobs of the reasoning recipe (DeepSeek-R1 traces): ``[reasoning]`` in the config file."""

    samples: int = Field(4, ge=1, le=64)
    """Answers asked for per problem in one step (each with its own seed)."""
    keep_only_correct: bool = True
    """Reject samples whose final answer does not match the reference."""
    think: bool | None = None
    """Ask thinking models to think (None: the global ``think`` setting)."""
    max_tokens: int = Field(4096, ge=16)
    """Token limit of one request (thinking included)."""
    temperature: float | None = Field(None, ge=0.0, le=2.0)
    """None: the global temperature."""
    min_thinking_words: int = Field(10, ge=0)
    """Reject a sample whose thinking has fewer words."""
    max_thinking_words: int = Field(8000, ge=1)
    """Reject a sample whose thinking has more words."""
    max_foreign_share: float = Field(0.1, ge=0.0, le=1.0)
    """Largest share of thinking tokens in another script than the problem's."""
    max_repeated_sentences: float = Field(0.3, ge=0.0, le=1.0)
    """Largest share of thinking sentences that repeat an earlier one."""
    loop_min_repeats: int = Field(3, ge=2)
    """A block of tokens repeated this often at the end of the thinking is a loop ..."""
    loop_min_tokens: int = Field(24, ge=2)
    """... when the repeats cover at least this many tokens."""
