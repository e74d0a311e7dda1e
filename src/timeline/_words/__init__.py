"""Words to valid time: a source's temporal phrase, resolved against its publication date.

The public face is :mod:`timeline.words`. The rooms, from the bottom up:

- ``_rule``: the rule a resolution keeps (light: the records module reads it);
- ``_periods``: days, weeks, months, seasons and years, as EDTF, and their thirds;
- ``_readings``: every reading's name and what it means;
- ``_base``: the one period an English phrase names, in every reading;
- ``_english``: the operators built on it (since, until, between, parts) and ``read``;
- ``_languages``: other languages, read as English through dateparser's vocabularies.
"""
