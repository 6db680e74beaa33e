"""A judge in the loop: a model rates each item 0-5 against a rubric (AlpaGasus-style).

:mod:`.rubric` loads the template and its version hash, :mod:`.verdict` parses a reply,
:mod:`.subject` says what of an item is shown to the judge, :mod:`.rater` sends one
request, :mod:`.judge_pass` rates many items with bounded concurrency and
:mod:`.server` opens the judge's own model server.
"""
