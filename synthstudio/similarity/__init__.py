"""Exact ROUGE-L similarity: rouge-score's numbers, CJK-aware tokens, a pruned index."""

from synthstudio.similarity.index import Match, Neighbour, RougeIndex
from synthstudio.similarity.rouge import f_from_lcs, lcs_length, rouge_l, rouge_l_text
from synthstudio.similarity.tokens import rouge_score_tokenize, tokenize

__all__ = [
    "Match",
    "Neighbour",
    "RougeIndex",
    "f_from_lcs",
    "lcs_length",
    "rouge_l",
    "rouge_l_text",
    "rouge_score_tokenize",
    "tokenize",
]
