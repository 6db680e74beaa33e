"""Instructions that point at something the model is not given.

* ``unseen_content``: the task needs content the model cannot see: a web page, video or
  file given only as a link ("Summarize this article" + a URL), an attachment ("the
  attached photo", ``<Picture Attached>``, 附件中的图片), or a picture, chart or video
  "below", "above" or "in this photo" (如下图所示, 这张照片) with no text standing in for
  it. A task about the link itself (extract its domain, validate it, make it a Markdown
  link) is fine.
* ``missing_input``: the instruction refers to an input ("the following sentence",
  "the given text", 以下句子, 这段话) but the input is empty and the instruction does not
  carry the text itself after a colon, on a new line or in quotes.
"""

from __future__ import annotations

import re

from synthstudio.records import FilterResult

# -- links --------------------------------------------------------------------------------
_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"'“”）)]+"
                  r"|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|org|net|edu|gov|io|cn|co|uk|de)"
                  r"(?:\.[a-z]{2})?/[^\s<>\"']*", re.IGNORECASE)
#: the task works on the link as text (its parts, its form), not on what it points to
_LINK_AS_TEXT = re.compile(
    r"\b(?:domain|subdomain|protocol|scheme|host ?name|query string|parameters?|tld|"
    r"top-level|regex|regular expression|markdown|hyperlink|anchor|href|encode|decode|"
    r"shorten|valid|secure|slug)\b|域名|协议|正则|超链接|编码|解码|参数|Markdown",
    re.IGNORECASE)
_LINK_MENTION = re.compile(r"\b(?:url|urls|link|path|string|characters?|code|https?)\b"
                           r"|网址|链接|字符", re.IGNORECASE)
#: the task needs what is behind the link
_LINK_CONTENT = re.compile(
    r"\b(?:summari[sz]e|summary|read|watch|listen|review|article|video|post|blog|news|"
    r"story|paper|main (?:points?|ideas?|argument)|takeaways?|about|content|translate|"
    r"describe|classify|rate|price)\b|总结|概括|摘要|阅读|观看|文章|新闻|视频|内容|翻译|描述",
    re.IGNORECASE)
_LINK_NOT_GIVEN = re.compile(
    r"\b(?:this|the following|given|provided|the above|the below)\s+"
    r"(?:link|url|website|web ?page|site)\b|(?:这个|以下|下面的?|给定的?)(?:链接|网址|网站|网页)",
    re.IGNORECASE)

# -- pictures, charts, recordings, attachments -------------------------------------------------
_SEEN = (r"(?:image|images|picture|pictures|photo|photos|photograph|"
         r"graphs?(?! (?:theory|data|algorithms?|database|neural|traversal|problem))|chart|"
         r"charts|diagram|figure(?! of speech)|video|videos|clip|audio|recording|screenshot|"
         r"drawing|painting|illustration|infographic|poster|map|scan)")
#: what can only be a picture or a recording ("in the graph" can be a data structure)
_VISUAL = (r"(?:image|images|picture|pictures|photo|photos|photograph|chart|diagram|"
           r"video|videos|audio|recording|screenshot|painting|illustration)")
_DOC = r"(?:pdf|attachment|file|spreadsheet|document|slide|slides)"
_ALWAYS_EN = re.compile("|".join([
    r"<\s*(?:picture|image|photo|video|audio|file)s?\s+attached\s*>",
    rf"\battached (?:{_SEEN}|{_DOC})|\b(?:{_SEEN}|{_DOC}) (?:is |are )?attached\b",
    r"\b(?:in|see|open|check) the attachment\b",
    rf"\b{_SEEN} (?:shown |provided |given |displayed )?(?:below|above)\b",
    rf"\b(?:the|this|that) (?:above|below|accompanying|enclosed|linked) {_SEEN}\b",
    rf"\b(?:{_SEEN}|{_DOC}) (?:i|we) (?:sent|shared|uploaded|posted|provided)\b",
    rf"\b(?:look at|watch|listen to|view|transcribe) (?:the|this|that|my|these) "
    rf"(?:\w+ )?{_SEEN}\b",
    rf"\b(?:in|from|on|of|using|based on) (?:the|this|that|my) (?:\w+ )?{_SEEN} "
    r"(?:shown|provided|given|below|above|here)\b",
]), re.IGNORECASE)
_DEICTIC_EN = re.compile(
    rf"\b(?:this|these|that|the following|the given|the provided|the shown|given) "
    rf"(?:\w+ )?(?:{_SEEN}|{_DOC})\b|\b(?:from|using|based on|according to|shown in) "
    rf"the {_SEEN}\b|\b(?:in|on|of) the {_VISUAL}\b"
    rf"|\b(?:the|this) (?:\w+ )?(?:{_SEEN}|{_DOC}) (?:provided|given|shown|here)\b"
    r"|\b(?:the|this|my|these) scanned \w+",
    re.IGNORECASE)
_SEEN_ZH = (r"(?:图片|图像|照片|相片|图表|图形|示意图|统计图|截图|视频|录像|音频|录音|附图|画面|"
            r"海报|图)")
_ALWAYS_ZH = re.compile("|".join([
    r"如(?:下|上)图", r"(?:下|上|左|右|附)图(?!书)", r"(?<![试企意])图(?:中|里|上)",
    r"(?:照片|相片|图片|图像|画面|截图|录音|音频|录像)(?:中|里|上)(?!传)",
    r"视频(?:中|里)", r"附件(?:中|里|的)", r"(?:看|打开|查看|听)(?:一下)?附件",
    rf"(?:下面|上面|下方|上方|以下|以上)的?(?:这|那)?(?:张|个|段|幅|份)?{_SEEN_ZH}",
    rf"(?:看|观看|收听|听|查看)(?:一下)?(?:这|那|下面|以下|上面)(?:张|个|段|幅|份)?的?{_SEEN_ZH}",
    r"<\s*(?:图片|图像|照片|视频|音频)\s*>",
]))
_DEICTIC_ZH = re.compile(rf"(?:这|那|该|此|给定的|所给的?)(?:张|个|段|幅|份)?"
                         rf"(?:{_SEEN_ZH}|文件|文档|表格)")
_FILE_NAME = re.compile(r"^\S+\.(?:jpe?g|png|gif|bmp|webp|svg|tiff?|mp3|wav|m4a|flac|ogg|"
                        r"mp4|mov|avi|mkv|webm|pdf|docx?|xlsx?|pptx?)$", re.IGNORECASE)
_MEDIA_TAG = re.compile(r"^[<\[(【（]\s*(?:image|picture|photo|img|video|audio|file|"
                        r"图片|图像|照片|视频|音频|文件)[^<>\[\]]{0,30}[>\])】）]$", re.IGNORECASE)
_ABOUT_FILE_NAME = re.compile(r"\b(?:file ?names?|extensions?|rename|path|format|mime)\b"
                              r"|文件名|扩展名|后缀", re.IGNORECASE)


def _stands_in(text: str) -> bool:
    """Whether an input is real text, not a link, a file name or a media tag."""
    s = text.strip()
    return bool(s) and not (_FILE_NAME.match(s) or _MEDIA_TAG.match(s)
                            or _URL.fullmatch(s))


def _link_as_content(instruction: str, input: str) -> str | None:
    """The link that stands for the task's content: an input that is little more than a
    link, or a link in the instruction that is not part of a text it quotes after a
    colon or a line break. ``""`` when the links are only inside text (an email that
    mentions a site); None when there is no link.
    """
    m = _URL.search(input)
    if m is not None:
        return m.group(0) if len(_URL.sub(" ", input).split()) < 4 else ""
    m = _URL.search(instruction)
    if m is None:
        return None
    quoted = re.split(r"[:：\n]", instruction[:m.start()])
    if len(quoted) > 1:  # after a colon: is there text around the link?
        rest = quoted[-1] + instruction[m.start():]
        if len(_URL.sub(" ", rest).split()) >= 3:
            return ""
    return m.group(0)


def _link_needs_content(instruction: str) -> bool:
    rest = _URL.sub(" ", instruction)
    if _LINK_AS_TEXT.search(rest):
        return False
    return bool(_LINK_CONTENT.search(rest)) or not _LINK_MENTION.search(rest)


#: a word every pattern above needs: records without one are not searched
_CUES = ("/", "www.", "image", "picture", "photo", "graph", "chart", "diagram", "figure",
         "video", "clip", "audio", "recording", "screenshot", "drawing", "painting",
         "illustration", "infographic", "poster", "map", "scan", "pdf", "attach", "file",
         "spreadsheet", "document", "slide", "link", "url", "site", "web")
_CUES_ZH = re.compile(r"[图照相视录音附画截海报文表档件链网频像片]")


def unseen_content_filter(instruction: str, input: str = "", *,
                          input_only: bool = False, input_follows: bool = False,
                          ) -> FilterResult:
    """Fail when the task depends on a page, picture, recording or file it does not hold.

    For generated tasks, judged in two parts: ``input_follows`` judges a new instruction
    whose inputs do not exist yet ("this photo" may get a description as input; "the
    photo below" and a link to read cannot); ``input_only`` judges one instance's input
    (a link, a file name), with the instruction as context.
    """
    instruction, input = instruction or "", (input or "").strip()
    if input_only:
        if not input:
            return FilterResult("unseen_content", True, "", "text the model can read")
        instruction = _URL.sub(" ", instruction) if "/" in instruction else instruction
    low = f"{instruction}\n{input}".lower()
    if not any(map(low.__contains__, _CUES)) and not _CUES_ZH.search(low) and (
            not input or _stands_in(input)):
        return FilterResult("unseen_content", True, "", "text the model can read")
    found = ""
    link = _link_as_content(instruction, input) if "/" in low or "www." in low else None
    if link is not None:
        if link and _link_needs_content(instruction):
            found = link
    elif m := ((not input_only and (_ALWAYS_EN.search(instruction)
                                     or _ALWAYS_ZH.search(instruction)))
               or _ALWAYS_EN.search(input) or _ALWAYS_ZH.search(input)):
        found = m.group(0)
    elif input and not _stands_in(input):
        if not _ABOUT_FILE_NAME.search(instruction):
            found = input[:60]
    elif not input and not input_follows and (
            m := _DEICTIC_EN.search(instruction) or _DEICTIC_ZH.search(instruction)
            or _LINK_NOT_GIVEN.search(instruction)):
        if not _carried(instruction, m.start()):  # "this chart: sales rose 5 % ..."
            found = m.group(0)
    return FilterResult("unseen_content", not found, found, "text the model can read",
                        f"refers to content it cannot see: {found!r}" if found else "")


# -- references to an input ----------------------------------------------------------------
_THING_EN = (r"(?:sentences?|text|texts|paragraphs?|passage|article|story|poem|essay|email|"
             r"letter|review|reviews|statements?|phrases?|words?|list|code|snippet|function|"
             r"program|data|dataset|table|numbers?|equation|document|tweet|quote|questions?|"
             r"arguments?|lyrics|dialogue|conversation|recipe|excerpt|headline|title|speech|"
             r"description|message|input|sequence|series|items|song|paper|book|report|"
             r"summary|product|query|expression|string|array|set|claims?|abstract|notes?|"
             r"news|outline|transcript|draft|story|stories|points|facts|options|choices)")
_SKIP = r"(?:(?!(?:is|are|was|were|a|an|the|of|and|or|to)\b)[\w'-]+ ){0,2}?"
#: after plain "the", only text-like things, and only as the object ("the story.")
_THING_THE = (r"(?:sentence|text|paragraph|passage|article|story|poem|essay|email|review|"
              r"excerpt|tweet|dialogue|conversation|speech|list|document|lyrics|statement|"
              r"argument|claim|notes|transcript|draft)")
_REF_EN = re.compile(
    r"\b(?:the following|the given|the provided|the above|the below) [\w-]+"
    rf"|\b(?:given|these|this|the input|the next|the mentioned|said) {_SKIP}{_THING_EN}\b"
    rf"|\bgiven (?:a|an|some|two|three|the) {_SKIP}{_THING_EN}\b"
    rf"|\b(?:the|this) {_THING_EN} (?:below|above|provided|given)\b"
    rf"|\bthe {_THING_THE}(?=\s*(?:[.?!,;:]|$|\b(?:in|into|to|from|and|as|so|using|with|by|"
    rf"for|on|more|less)\b))"
    r"|\b(?:the )?(?:following|above)\s*[:.]?\s*$", re.IGNORECASE)
_THING_ZH = (r"(?:句子|句话|文本|文字|段落|段话|段文字|文章|短文|故事|诗|诗歌|首诗|邮件|信|评论|"
             r"代码|数据|列表|单词|词语|词|短语|问题|对话|表格|数字|数|方程|新闻|标题|内容|"
             r"语句|材料|文段|篇文章|片段|程序|函数|摘要|序列|论证|论点|观点|笔记|说法|论述|"
             r"演讲|信息|消息|陈述|草稿|提纲|选项)")
_REF_ZH = re.compile(rf"(?:以下|下面|下列|如下|给定|所给|给出|上面|上述|上文|这|该|此|那)"
                     rf"(?:的|这|一)?(?:个|段|篇|首|句|条|组|些|份|则|封)?{_THING_ZH}"
                     r"|下文|原文")
_AFTER = re.compile(r"[:：?？]\s*\S.|\n\s*\S.", re.DOTALL)
_QUOTED = re.compile(r"[\"“「『《‘][^\"”」』》’]{2,}[\"”」』》’]|`[^`]{2,}`"
                     r"|(?<!\w)'[^'\n]{2,}'(?!\w)")


def _carried(instruction: str, at: int) -> bool:
    """Whether the text referred to is in the instruction: quoted anywhere, or after a
    colon or on a new line following the reference."""
    return bool(_QUOTED.search(instruction) or _AFTER.search(instruction, at))


def _made_earlier(instruction: str, ref: str, at: int) -> bool:
    """Whether the thing referred to is one the instruction itself asks for first
    ("Write a sentence, then explain why this sentence is funny")."""
    noun = ref.split()[-1].lower().rstrip("s") if " " in ref else ref[-2:]
    return len(noun) >= 2 and noun in instruction[:at].lower()


def missing_input_filter(instruction: str, input: str = "") -> FilterResult:
    """Fail when the instruction refers to an input that is neither given nor inline."""
    instruction = instruction or ""
    m = _REF_EN.search(instruction) or _REF_ZH.search(instruction)
    missing = (m is not None and not (input or "").strip()
               and not _carried(instruction, m.start())
               and not _made_earlier(instruction, m.group(0), m.start()))
    found = m.group(0) if m is not None and missing else ""
    return FilterResult("missing_input", not missing, found, "the input it refers to",
                        f"refers to {found!r} but the input is empty" if missing else "")


def refers_to_input(instruction: str) -> bool:
    """Whether the instruction speaks of an input ("the following sentence", 这个词)."""
    return bool(_REF_EN.search(instruction or "") or _REF_ZH.search(instruction or ""))
