"""Words to valid time: a source's temporal phrase, resolved against its publication date.

The public face is :mod:`timeline.words`. Here live the rule a resolution
keeps (:mod:`._rule`, light: the records module reads it), the English
grammar that does the resolving (:mod:`._english`), and the bridge that
reads other languages through dateparser's vocabularies (:mod:`._languages`).
"""
