"""What a task asks for, so a noise filter can pass it: HTML for a web page, emoji for a
tweet with emoji, a repeated line for "repeat after me".

``task`` is the text an answer responds to: an instruction and its input, a chat's user
turns, or a textbook topic. Cues are words a person would use when they want that kind
of text; a cue that also has an everyday meaning ("elements", a spider's "web") is left
out or narrowed.
"""

from __future__ import annotations

import re

_WEB_OR_CODE = re.compile(
    r"\b(?:x?html5?|css|web ?pages?|websites?|web (?:apps?|design|development|developer|"
    r"server|scraping|form)|markup|xml|svg|javascript|js|jsx|tsx|typescript|react|vue|"
    r"angular|svelte|dom|templates?|code|coding|programs?|programming|snippets?|"
    r"escap(?:e|ing) (?:html|characters?|special)|entit(?:y|ies) (?:encod\w+|decod\w+)|"
    r"encod(?:e|ing)|decod(?:e|ing)|regex|scrap(?:e|er|ing)|pars(?:e|er|ing)|php|django|"
    r"flask|jinja|markdown|email template|newsletter|landing page|frontend|front-end|"
    r"browser|tags? (?:in|of) (?:html|xml))\b|网页|网站|代码|标签|前端|编程|程序|函数|脚本|HTML",
    re.IGNORECASE)
_ASKS_FOR = {
    "html": _WEB_OR_CODE,
    "keyboard_mash": re.compile(r"\b(?:passwords?|random (?:strings?|letters|characters)|"
                                r"gibberish|typos?|misspell\w*|keyboard)\b|密码|乱码|随机",
                                re.IGNORECASE),
    "repetition": re.compile(r"\b(?:repeat\w*|tongue[- ]twisters?|chants?|mantras?)\b|重复",
                             re.IGNORECASE),
    "mojibake": re.compile(r"\b(?:mojibake|encodings?|garbled|utf-?8|latin-?1)\b|乱码|编码",
                           re.IGNORECASE),
    "emoji_flood": re.compile(r"\b(?:emojis?|emoticons?)\b|表情", re.IGNORECASE),
    "boilerplate": re.compile(
        r"\b(?:cookies?|banners?|footers?|newsletters?|landing page|web ?(?:site|page) copy|"
        r"advert\w*|ads?|marketing|promotion\w*|call to action|sales|shop|store|e-?mails?|"
        r"copyright|legal notice)\b|网站|网页|广告|营销|促销|版权|邮件", re.IGNORECASE),
}


def asks_for(task: str, noise: str) -> bool:
    """Whether ``task`` asks for the kind of text the noise filter ``noise`` flags."""
    cue = _ASKS_FOR.get(noise)
    return bool(task) and cue is not None and cue.search(task) is not None
