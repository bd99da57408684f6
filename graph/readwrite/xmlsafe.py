"""Text that any XML 1.0 document can carry: what the SVG, GraphML and GEXF writers put in.

Why: XML 1.0 has no form at all, not even a character reference, for most C0
control characters (U+0000-U+0008, U+000B, U+000C, U+000E-U+001F), for U+FFFE
and U+FFFF, or for a lone surrogate (which cannot even be encoded as UTF-8).
ElementTree writes them raw, so one entity named ``"a\\x01b"`` made every
picture and export that held it unreadable ("Invalid character U+0001" in the
browser, a syntax error in lxml or Gephi). The write API refuses such names,
but a store written before that, or a story loaded from files, may still hold
them: every XML writer passes its text through :func:`xml_safe`, which puts
U+FFFD (the replacement character) in their place and keeps everything else,
tab, newline and carriage return included.

>>> xml_safe("Jen\\x01Daskal\\x1b[31m")
'Jen\\ufffdDaskal\\ufffd[31m'
>>> xml_safe("tab\\tnew\\nline <&> \\ud800") == "tab\\tnew\\nline <&> \\ufffd"
True
>>> xml_safe("plain") is not None and not_xml("plain"), not_xml("\\ufffe")
(False, True)
"""

from __future__ import annotations

import re

# Characters XML 1.0 cannot carry at all, even escaped.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
REPLACEMENT = "\ufffd"


def xml_safe(text: str) -> str:
    """``text`` with every character XML 1.0 cannot carry replaced by U+FFFD."""
    return NOT_XML.sub(REPLACEMENT, text)


def not_xml(text: str) -> bool:
    """Whether ``text`` holds a character XML 1.0 cannot carry."""
    return NOT_XML.search(text) is not None
