"""Defects of an answer (the ``output`` field), as the AlpacaDataCleaned curators found them.

* ``no_output``: an empty answer or one that only says there is none (``<nooutput>``,
  ``N/A``, ``No output``, ``无输出``). Real words that can be answers (``None``, ``无``)
  count only when the instruction is not a question.
* ``refusal``: the model declines because it is a model ("As an AI language model",
  "cannot be fulfilled by a GPT model", "I cannot see images", 作为一个AI语言模型). A
  refusal inside a role-play ("I'm sorry, but we cannot offer a refund") is not one.
* ``merged_instructions``: the answer runs on into further numbered tasks (``##`` then
  ``18. Instruction:``, or ``### Instruction:`` / ``### Response:`` blocks).
"""

from __future__ import annotations

import re

from synthstudio.records import FilterResult

# -- no output --------------------------------------------------------------------------
_EDGE = "<>()[]{}\"'`“”‘’「」『』《》（）【】.。:：;；,，!！*_~ \t\r\n"
_NO_OUTPUT = frozenset({
    "nooutput", "no output", "no output required", "no output needed", "no output provided",
    "no output given", "no answer", "no response", "tbd",
    "empty", "output", "output none", "output n/a", "null",
    "无输出", "没有输出", "无需输出", "无回答", "没有回答", "暂无", "不适用", "输出无", "空",
})
#: words that can be true answers ("How many moons does Venus have?" "None.")
_ANSWER_WORDS = frozenset({"none", "nothing", "无", "没有", "-", "—", "--", "..."})
#: "N/A" is the right answer when the question is about the abbreviation
_NA = frozenset({"n/a", "n.a", "not applicable", "不适用"})
_ABOUT_NA = re.compile(r"\b(?:abbreviat\w*|acronym|stand for|short for|not applicable)\b"
                       r"|缩写|不适用", re.IGNORECASE)
#: a dash or dots can be the answer ("What is the sign for subtraction?")
_ABOUT_MARKS = re.compile(r"\b(?:signs?|symbols?|punctuation|dash|hyphen|minus|subtract\w*|"
                          r"ellipsis|dots?|period|full stop|morse)\b|符号|标点|减号|破折号|省略号",
                          re.IGNORECASE)
_LABEL = re.compile(r"^\s*(?:output|response|answer|输出|回答|答案)\s*[:：]\s*", re.IGNORECASE)
_DASHES = re.compile(r"[\s\-–—_.。…·]*")
_QUESTION = re.compile(r"[?？]\s*$|^\s*(?:what|which|who|whom|how|is|are|does|do|can)\b"
                       r"|(?:什么|哪|谁|几|多少|吗|是否)", re.IGNORECASE)


def _key(text: str) -> str:
    return " ".join(text.strip().strip(_EDGE).lower().split())


def no_output_filter(output: str, instruction: str = "") -> FilterResult:
    """Fail when the answer is empty or a "no output" placeholder."""
    s = (output or "").strip()
    found = ""
    if not s:
        found = "empty"
    elif _DASHES.fullmatch(s):
        found = "" if _ABOUT_MARKS.search(instruction or "") else s
    elif len(s) <= 40:
        key = _key(_LABEL.sub("", s))
        if key in _NO_OUTPUT:
            found = s
        elif key in _NA:
            found = "" if _ABOUT_NA.search(instruction or "") else s
        elif key in _ANSWER_WORDS and not _QUESTION.search(instruction or ""):
            found = s
    return FilterResult("no_output", not found, found, "a real answer",
                        f"the answer is {found!r}" if found else "")


# -- refusal ----------------------------------------------------------------------------
_AI = (r"(?:an?\s+)?(?:ai|a\.i\.|artificial intelligence|(?:ai |large |text-based )?"
       r"language model|llm|chatbot|virtual assistant|(?:text-based )?ai assistant|"
       r"gpt(?:-\d)?(?: model)?|machine learning model|computer program)")
_CANNOT = r"(?:cannot|can't|can not|am unable to|am not able to|don't have the ability to|" \
          r"do not have the ability to|lack the ability to|am not capable of)"
_SEEN = r"(?:images?|pictures?|photos?|videos?|the (?:image|picture|photo|video|graph|chart))"
_SENSE = (rf"(?:see|view|look at|perceive|analy[sz]e|describe) {_SEEN}"
          rf"|(?:watch|play|display|show|generate|create|produce|make) (?:{_SEEN}|audio|music|"
          r"songs?|sounds?|drawings?)"
          r"|(?:listen to|hear|record) (?:audio|sounds?|music|songs?|the (?:audio|recording|clip))"
          r"|(?:browse|search|access|surf) (?:the (?:internet|web)|websites?|external|real-time|"
          r"links?|urls?|the (?:link|url|website|page|file|attachment))"
          r"|(?:open|click|visit|download) (?:links?|urls?|attachments?|files?|websites?|"
          r"the (?:link|url|website|page|file|attachment))"
          r"|(?:draw|paint|sketch|sing)\b|send (?:emails?|messages?|texts?)")
_REFUSAL = re.compile("|".join([
    rf"\bas {_AI}\s*,",  # "As an AI language model, I ..."
    rf"\b(?:i am|i'm) (?:just |only |merely )?{_AI}\b[^.!?\n]{{0,30}}"
    r"\b(?:cannot|can't|unable|don't|do not|am not)\b",
    rf"\b(?:cannot|can't|can not|could not|couldn't) be (?:fulfilled|completed|done|"
    rf"performed|answered|carried out|executed|generated|accomplished) (?:by|with|using) "
    rf"(?:a |an |the )?(?:gpt|ai|text-based|language|{_AI})",
    rf"\bi {_CANNOT} (?:{_SENSE})",
    r"\b(?:i'm|i am) sorry,? (?:but )?(?:i|as an ai)[^.!?\n]{0,40}\b(?:cannot|can't|unable)\b"
    rf"[^.!?\n]{{0,20}}\b(?:{_SENSE})",
    r"\bi (?:do not|don't) have (?:personal |any )?(?:feelings|emotions|opinions|preferences|"
    r"a body|eyes|ears|access to (?:the internet|real-time|external|the (?:image|video|audio|"
    r"file|link|url|website|attachment)))",
    r"\bthis (?:task|instruction|request) (?:requires|involves) (?:visual|audio|physical)\b",
]), re.IGNORECASE)
_REFUSAL_ZH = re.compile("|".join([
    r"作为(?:一个|一名|一款)?(?:AI|人工智能)?语言模型",
    r"(?:作为|我(?:只)?是)(?:一个|一名|一款)?(?:AI|人工智能|聊天机器人|虚拟助手|AI助手|"
    r"人工智能助手|GPT)[^。！？\n]{0,30}(?:无法|不能|没有|不具备|不会)",
    r"(?:无法|不能|不可能)(?:由|被)(?:GPT|AI|人工智能|语言|文本)[^。！\n]{0,6}(?:模型)?"
    r"(?:完成|实现|执行|回答)",
    r"(?:该|这个|此)(?:任务|指令|请求)(?:无法|不能)(?:由|被|完成)",
    r"我(?:无法|不能|没有办法|没法)(?:看到|看见|查看|观看|收听|听到|播放|演唱|唱歌|浏览|访问|"
    r"打开|点击|下载|显示|绘制|画|生成图片|生成图像|录制|发送|品尝|闻到|触摸|获取实时)",
    r"我没有(?:个人|任何)?(?:情感|感情|观点|喜好|偏好|身体|眼睛|耳朵)",
]), re.IGNORECASE)


#: every English refusal pattern holds one of these (checked first: most answers have none)
_REFUSAL_CUES = ("as a", "as l", "as g", "as c", "as v", "as t", "as m", "i am", "i'm",
                 "cannot", "can't", "can not", "could not", "couldn't", "unable", "not able",
                 "ability", "lack the", "capable", "sorry", "t have", "requires", "involves")
_REFUSAL_CUES_ZH = ("作为", "我", "无法", "不能", "不可能")


def refusal_filter(output: str) -> FilterResult:
    """Fail when the answer declines because it comes from a model."""
    text = output or ""
    low = text.lower()
    m = ((_REFUSAL.search(text) if any(map(low.__contains__, _REFUSAL_CUES)) else None)
         or (_REFUSAL_ZH.search(text) if any(map(text.__contains__, _REFUSAL_CUES_ZH))
             else None))
    found = m.group(0).strip() if m else ""
    return FilterResult("refusal", not m, found, "no model refusal",
                        f"refuses: {found!r}" if m else "")


# -- merged instructions ----------------------------------------------------------------
_TASK = r"(?:instruction|指令)"
_REPLY = r"(?:output|response|answer|input|输出|回答|回复|答案|输入)"
_MARKERS = re.compile("|".join([
    rf"^[ \t]*#*[ \t]*\d{{1,3}}[ \t]*[.)、][ \t]*{_TASK}[ \t]*[:：]",  # 18. Instruction:
    rf"^[ \t]*#{{2,}}[ \t]*(?:{_TASK}|{_REPLY})[ \t]*[:：]",  # ### Response:
    r"^[ \t]*#{2,}[ \t]*$",  # a bare "##" separator line
]), re.IGNORECASE | re.MULTILINE)
_TASK_LINE = re.compile(rf"^[ \t]*{_TASK}[ \t]*[:：]", re.IGNORECASE | re.MULTILINE)
_REPLY_LINE = re.compile(rf"^[ \t]*{_REPLY}[ \t]*[:：]", re.IGNORECASE | re.MULTILINE)


def merged_instructions_filter(output: str) -> FilterResult:
    """Fail when the answer carries further tasks after its own."""
    text = output or ""
    markers = [m.group(0).strip() for m in _MARKERS.finditer(text)]
    # "Instruction:" then an "Output:" line after it (searched apart: linear time)
    if not markers and (m := _TASK_LINE.search(text)) and _REPLY_LINE.search(text, m.end()):
        markers = [m.group(0).strip()]
    found = ", ".join(dict.fromkeys(markers[:3]))
    return FilterResult("merged_instructions", not markers, float(len(markers)), 0,
                        f"another task follows: {found}" if markers else "")
