"""Rewrite README's configuration table from service.config.SETTINGS (`make readme`)."""

from pathlib import Path

from service import config

readme = Path(__file__).resolve().parent.parent / "README.md"
text = readme.read_text(encoding="utf-8")
start = text.index("| variable | default | meaning |")
end = text.index("\n\n", start)
readme.write_text(text[:start] + config.markdown_table() + text[end:], encoding="utf-8")
