"""One module per document type; each defines ``DOCUMENT_TYPE``. ORDER is the display order."""

ORDER = ("directive", "emulation_plan", "commendation_decision", "certificate")
