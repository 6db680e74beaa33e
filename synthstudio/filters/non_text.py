"""``non_text_output``: tasks whose answer would be an image, a recording or a video.

A text model cannot "Design a logo", "Draw a cat", "Record a podcast intro" or
"生成一张图片"; its answer can only describe one. The filter looks at what the instruction
asks to be *made*: a drawing verb with any object ("Draw a cat"), or a making verb whose
object is a picture, recording or video. It leaves alone what a text model can make
about them: a description, prompt, script, caption, idea or slogan for an image ("Write
a script for a video", "Suggest ideas for a logo"), and pictures made of text (SVG,
ASCII art, a Markdown table, plotting code).
"""

from __future__ import annotations

import re

from synthstudio.records import FilterResult

_MEDIA = (r"(?:image|picture|photo|photograph|logo|drawing|sketch|painting|watercolou?r|"
          r"illustration|poster|icon|graphic|infographic|diagram|chart|graph|flowchart|"
          r"portrait|cartoon|comic|meme|animation|gif|video|clip|movie|film|audio|"
          r"recording|podcast|jingle|melody|tune|voice ?(?:memo|message|over)|"
          r"soundtrack|banner|flyer|mockup|wireframe|floor plan|map|3d model)s?")
# what a text model can write about a picture or a recording
_TEXT_ABOUT = (r"(?:description|prompt|script|caption|idea|concept|title|name|slogan|"
               r"tagline|outline|storyboard|plan|proposal|transcript|brief|summary|review|"
               r"critique|alt text|text|copy|lyrics|narration|dialogue|story|theme|"
               r"suggestion|list|question|quiz|headline|plot|synopsis|character|scene|game|"
               r"data|structure|algorithm|database|theory|query|api|function|class|schema|"
               r"format|request|policy|strategy|campaign|budget|call|conference|chat|editor|"
               r"editing|player|book|platform|service|app|channel|blog)s?")
_MAKE = r"(?:design|create|generate|make|produce|render|paint|illustrate|build|craft|compose)"
_OPEN = r"^\s*(?:please\s+|can you\s+|could you\s+|now\s+)?"
_ASK_EN = re.compile(
    rf"{_OPEN}(?:draw|sketch|paint|doodle|animate)\b(?!\s+(?:up|out|on|from|upon)\b)"
    r"(?!\s+(?:a |an |the |your |some )?(?:conclusions?|inferences?|comparisons?|parallels?|"
    r"analog(?:y|ies)|distinctions?|lessons?|attention|lines? between|connections?|"
    r"insights?|inspiration|strength|blood|water|cards?|lots|straws?|curtains?|crowds?|"
    r"near|closer|back|away|in|breath|interest|criticism|support|votes?|fire)\b)"
    rf"|{_OPEN}{_MAKE}\s+(?:(?:a|an|the|one|two|three|some|\d+|your|my|our)\s+)?"
    rf"(?:(?!{_TEXT_ABOUT}\b|for\b|of\b|about\b|with\b|that\b)[\w-]+\s+){{0,3}}?{_MEDIA}\b(?!\s*(?:-\s*)?{_TEXT_ABOUT}\b)(?!\s+(?:for|of)\s+"
    rf"(?:a |an |the )?{_TEXT_ABOUT}\b)"
    rf"|{_OPEN}(?:record|film|shoot|take|snap|capture)\s+(?:a |an |the |some |\d+ )?"
    rf"(?:[\w-]+\s+){{0,2}}?(?:{_MEDIA}|yourself|your voice|a selfie)\b"
    rf"|{_OPEN}(?:sing|hum|whistle|play)\s+(?:a |an |the |me |us |some )?(?:\w+\s+){{0,2}}?"
    r"(?:song|tune|melody|music|piece|note|chord)s?\b",
    re.IGNORECASE)
_MEDIA_ZH = (r"(?:图片|图像|图画|画|照片|相片|插图|插画|漫画|素描|水彩画|油画|山水画|国画|标志|"
             r"logo|LOGO|图标|海报|信息图|示意图|流程图|图表|统计图|柱状图|折线图|饼图|地图|"
             r"平面图|视频|短片|动画|录音|音频|播客|配音|歌曲录音|旋律|头像|表情包)")
_ZH_TEXT_ABOUT = r"(?:脚本|文案|描述|说明|创意|提示词|标题|名字|名称|口号|配文|点子|大纲|构思|主题)"
_ASK_ZH = re.compile(
    rf"^\s*(?:请|帮我|你)?(?:[为给替][^，。,]{{1,15}}?)?"
    rf"(?:画|绘制|绘画|设计|生成|制作|创作|拍|拍摄|录制|录|剪辑|做)(?:一下|出)?"
    rf"(?:一|两|三|几)?(?:个|张|幅|段|部|份|款|套|组)?[^，。,；;]{{0,12}}?{_MEDIA_ZH}"
    rf"(?!的?{_ZH_TEXT_ABOUT})"
    r"|^\s*(?:请|帮我|给我)?(?:画|唱)(?:一下|出)?(?:一|两|几)(?:个|只|张|幅|首|朵|棵|条)",
)
#: pictures made of text, which a text model can write
_AS_TEXT = re.compile(
    r"\b(?:svg|ascii|text-based|textual|markdown|html|css|latex|tikz|mermaid|graphviz|dot "
    r"language|plantuml|matplotlib|python|javascript|code|emoji|unicode|describe|description"
    r"|in words)\b|代码|文字描述|用文字|字符画|Markdown|SVG|Python",
    re.IGNORECASE)


def non_text_output_filter(instruction: str) -> FilterResult:
    """Fail when the instruction asks for an image, a recording or a video."""
    text = instruction or ""
    m = _ASK_EN.search(text) or _ASK_ZH.search(text)
    found = m.group(0).strip() if m and not _AS_TEXT.search(text) else ""
    return FilterResult("non_text_output", not found, found, "an answer in text",
                        f"asks for something that is not text: {found!r}" if found else "")
