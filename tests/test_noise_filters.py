"""Noise filters: each catches its kind of noise and leaves real prose, Chinese included."""

from __future__ import annotations

import pytest

from synthstudio.filters.noise import NOISE_FILTERS, run_noise_filters

CHINESE = [
    "光合作用是植物、藻类和某些细菌利用光能，把二氧化碳和水转化为有机物，并释放出氧气的过程。"
    "这个过程主要发生在叶绿体中。光合作用为地球上几乎所有的生命提供了能量来源，同时也维持了"
    "大气中氧气和二氧化碳的平衡。\n\n在光反应阶段，叶绿素吸收光能，将水分解为氧气、质子和电子；"
    "在暗反应阶段，植物利用这些能量固定二氧化碳，合成葡萄糖。",
    "机器学习是人工智能的一个分支。机器学习算法通过数据来学习规律，而不是依靠人工编写的规则。"
    "常见的机器学习方法包括监督学习、无监督学习和强化学习。监督学习需要带标签的数据，"
    "无监督学习则不需要标签，强化学习则通过与环境的交互来学习。",
    "《红楼梦》是中国古典四大名著之一，作者曹雪芹。小说以贾、史、王、薛四大家族的兴衰为背景，"
    "以贾宝玉、林黛玉和薛宝钗的爱情婚姻悲剧为主线，描绘了封建社会末期的人生百态。"
    "书中人物众多，性格鲜明，语言优美，被誉为“中国古代小说的巅峰之作”。",
    "请写一封邮件，邀请同事参加下周五下午三点的项目总结会议。会议地点在三楼会议室，"
    "请大家提前准备好本季度的工作汇报材料。如有问题，请随时联系我。谢谢！",
    "东京是日本的首都，也是世界上人口最多的都市圈之一。江户时代它被称为“江户”，"
    "是德川幕府的所在地。今天，东京是日本的政治、经济和文化中心。",
]
MIXED = [
    "请用Python写一个函数，计算列表中所有偶数的和。例如，输入[1, 2, 3, 4]，输出6。"
    "Hint: use a list comprehension and the built-in sum() function.",
    "Translate into English: 今天天气很好，我们去公园散步吧。 -> The weather is nice today, "
    "let's take a walk in the park.",
    "GPT-4和Llama 3都是大型语言模型（LLM）。它们使用Transformer架构，通过自注意力机制"
    "（self-attention）处理文本。",
]
JAPANESE = ("東京は日本の首都であり、世界で最も人口の多い都市圏の一つです。江戸時代には「江戸」と"
            "呼ばれ、徳川幕府の本拠地として栄えました。現在では政治、経済、文化の中心地です。")
ENGLISH = [
    "Photosynthesis is the process by which green plants use sunlight to synthesize food from "
    "carbon dioxide and water. It generally involves the green pigment chlorophyll.",
    "Write a function that returns the n-th Fibonacci number. Use memoization so that it runs "
    "in linear time, and explain your approach in two sentences.",
    "Dear team,\nThe quarterly review is on Friday at 3 pm in room 301.\nPlease bring your "
    "slides.\nBest,\nAnna",
    "Strengths: rhythm, twelfth, latchstring and the QWERTY keyboard are all real words.",
    "Il a dit « bonjour » au café\u00a0» près de la gare. Über München nach Zürich, señor.",
    "Thanks! 🙂 See you tomorrow.",
    "",
]


def _failed(text: str) -> list[str]:
    return [r.name for r in run_noise_filters(text) if not r.passed]


@pytest.mark.parametrize("text", CHINESE + MIXED + [JAPANESE])
def test_chinese_and_japanese_are_never_flagged(text):
    assert _failed(text) == []


@pytest.mark.parametrize("text", ENGLISH)
def test_ordinary_text_passes(text):
    assert _failed(text) == []


@pytest.mark.parametrize("name, text", [
    ("html", '<div class="post"><p>Hello&nbsp;world</p><br/></div>'),
    ("html", "Read the article &amp; share &#8220;quotes&#8221; today."),
    ("html", "Text <!-- comment --> more <span>text</span> here."),
    ("keyboard_mash", "asdfghjkl qwertyuiop"),
    ("keyboard_mash", "The answer is jfkdlsjfkl and that is all."),
    ("keyboard_mash", "Nice nice zxcvbnm try again."),
    ("keyboard_mash", "I said aaaaaaaaah and jkljkljkl."),
    ("keyboard_mash", "lolololololol"),
    ("repetition", "I love you. " * 20),
    ("repetition", "Buy now and save big today! " * 6),
    ("repetition", "光合作用是植物利用光能的过程。" * 6),
    ("mojibake", "The cafÃ© is nice, donâ€™t miss it."),
    ("mojibake", "Broken text \ufffd here."),
    ("mojibake", "ä¸\u00adæ–‡ mojibake of Chinese"),
    ("emoji_flood", "Great 🎉🎉🎉🎉🎉🔥🔥"),
    ("emoji_flood", "🔥 hot 🔥 deal 🔥 wow 🔥"),
    ("boilerplate", "We use cookies to improve your experience.\nAll rights reserved."),
    ("boilerplate", "Subscribe to our newsletter for weekly tips!"),
    ("boilerplate", "Great recipe.\nClick here to read more.\n© 2024 Foodblog."),
    ("boilerplate", "版权所有，未经许可不得转载。"),
])
def test_each_filter_catches_its_noise(name, text):
    result = NOISE_FILTERS[name](text)
    assert not result.passed, result
    assert result.name == name and result.value is not None and result.threshold is not None


@pytest.mark.parametrize("name, text", [
    ("html", "Use a <div> element to group content."),  # one mention is not leftovers
    ("html", "Compare a < b and c > d; also R&D and AT&T."),
    ("keyboard_mash", "Use the QWERTY layout; strncpy copies strings; NASA and UNESCO."),
    ("keyboard_mash", "Hahaha, that banana was delicious."),
    ("repetition", "Step 1: add the flour. Step 2: add the sugar. Step 3: add the eggs."),
    ("mojibake", "São Paulo, Ærøskøbing, naïve café, résumé, Ångström."),
    ("emoji_flood", "I passed the exam today, thanks for all your help! 🎉"),
    ("boilerplate", "Explain how cookies help plants? No: explain photosynthesis in detail."),
])
def test_near_misses_pass(name, text):
    assert NOISE_FILTERS[name](text).passed


def test_scores_and_thresholds():
    text = "Great job today 🎉"
    r = NOISE_FILTERS["emoji_flood"](text)
    assert 0 < float(r.value) <= 0.1 and r.passed
    assert not NOISE_FILTERS["emoji_flood"](text, 0.05).passed
    results = run_noise_filters("<p>a</p><p>b</p>", {"html": 10})
    assert [r.name for r in results] == list(NOISE_FILTERS)
    assert all(r.passed for r in results)


def test_disable_and_unknown_names():
    names = [r.name for r in run_noise_filters("text", disable=["html", "mojibake"])]
    assert "html" not in names and "mojibake" not in names and len(names) == 4
    with pytest.raises(KeyError):
        run_noise_filters("text", {"nope": 1})
    with pytest.raises(KeyError):
        run_noise_filters("text", disable=["nope"])


def test_details_say_what_was_found():
    assert "&nbsp;" in NOISE_FILTERS["html"]("<p>x&nbsp;</p><b>y</b>").detail
    assert "asdfghjkl" in NOISE_FILTERS["keyboard_mash"]("asdfghjkl").detail
    assert "x" in NOISE_FILTERS["repetition"]("spam spam spam spam spam spam spam").detail


PAGE = "<html><body><h1>Menu</h1><p>Soup</p><p>Bread</p></body></html>"


@pytest.mark.parametrize("task, ok", [
    ("Create a simple HTML page for a cafe menu.", True),
    ("用HTML写一个菜单网页。", True),
    ("Write a React component for a menu.", True),
    ("Describe the chemical elements in table salt.", False),
    ("Write a poem about a spider web.", False),
    ("", False),
])
def test_html_passes_when_the_task_asks_for_it(task, ok):
    r = NOISE_FILTERS["html"](PAGE, task=task)
    assert r.passed is ok and r.value == 10
    if ok:
        assert "the task asks for it" in r.detail


def test_html_inside_a_code_block_is_not_leftover_markup():
    text = "Use this:\n```html\n<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n```\nThen `<br>` for a break."
    assert NOISE_FILTERS["html"](text).passed


@pytest.mark.parametrize("text", [
    "The phone is powered by a Snapdragon chip.",
    "Powered by a 90 kWh battery, the car goes 500 km.",
])
def test_powered_by_in_prose_is_not_boilerplate(text):
    assert NOISE_FILTERS["boilerplate"](text).passed


def test_powered_by_a_site_builder_is_boilerplate():
    assert not NOISE_FILTERS["boilerplate"]("Home\nProudly powered by WordPress").passed


@pytest.mark.parametrize("text", [
    # a refrain between verses
    "We sail at dawn, we sail at dawn,\nthe wind is in our hair.\n"
    "We sail at dawn, we sail at dawn,\nthe sea is everywhere.\n"
    "We sail at dawn, we sail at dawn,\nwith salt upon the air.\n"
    "We sail at dawn, we sail at dawn,\nand no one knows we're there.",
    # table rows that share cells
    "| Day | Open | Close |\n|---|---|---|\n" + "".join(
        f"| {d} | 9:00 am | 5:00 pm |\n" for d in ("Mon", "Tue", "Wed", "Thu", "Fri")),
    # list items that share words
    "".join(f"- Step {i}: stretch your {p} for 30 seconds.\n"
            for i, p in enumerate(("arms", "legs", "back", "neck", "wrists"), 1)),
    "".join(f"{d}：上午9点到下午5点。\n"
            for d in ("星期一", "星期二", "星期三", "星期四", "星期五")),
])
def test_structured_repetition_is_not_looping(text):
    assert NOISE_FILTERS["repetition"](text).passed


def test_a_loop_inside_longer_text_still_fails():
    text = ("The museum opens at nine. " + "Tickets are sold at the door. " * 9
            + "Children enter free.")
    r = NOISE_FILTERS["repetition"](text)
    assert not r.passed and "x9" in r.detail


def test_repetition_passes_when_asked_to_repeat():
    text = "I will not talk in class. " * 10
    assert not NOISE_FILTERS["repetition"](text).passed
    assert NOISE_FILTERS["repetition"](text, task="Write the lines ten times, repeating "
                                                   "'I will not talk in class.'").passed
