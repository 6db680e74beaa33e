"""Where synthstudio meets the world outside it: files read and written
(:mod:`.files`: one input reader, one atomic writer), the data shipped with it
(:mod:`.shipped`: seeds, themes), and untrusted text made inert before a terminal shows
it (:mod:`.inert`)."""
