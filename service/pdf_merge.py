"""Streaming PDF assembly: copy pages between PDFs without re-rendering and without holding
the result in memory.

:class:`PdfOut` writes objects to a file as they come and keeps only their offsets; a
:class:`Copier` copies the object graph under a page from a parsed PDF (pypdf) with its objects
renumbered, streams byte-for-byte (fonts and content stay compressed as they were). With
these, :func:`concatenate` merges thousands of chunk files in constant memory, and the
certificate renderer lays one background under many pages (:func:`overlay_pages`).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, BinaryIO

from pypdf import PageObject, PdfReader
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    PdfObject,
    StreamObject,
)

HEADER = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"


class PdfOut:
    """A PDF written object by object; only the xref offsets stay in memory."""

    def __init__(self, handle: BinaryIO) -> None:
        self.handle = handle
        self.offsets: list[int | None] = [None]  # object 0 is the free-list head
        self.position = 0
        self._write(HEADER)

    def _write(self, data: bytes) -> None:
        self.handle.write(data)
        self.position += len(data)

    def reserve(self) -> int:
        self.offsets.append(None)
        return len(self.offsets) - 1

    def write(self, number: int, body: bytes) -> None:
        self.offsets[number] = self.position
        self._write(b"%d 0 obj\n" % number + body + b"\nendobj\n")

    def add(self, body: bytes) -> int:
        number = self.reserve()
        self.write(number, body)
        return number

    def close(self, root: int, info: int | None = None) -> None:
        xref_at = self.position
        lines = [b"xref\n0 %d\n" % len(self.offsets), b"0000000000 65535 f \n"]
        for offset in self.offsets[1:]:
            if offset is None:
                raise ValueError("reserved PDF object never written")
            lines.append(b"%010d 00000 n \n" % offset)
        trailer = b"trailer\n<< /Size %d /Root %d 0 R" % (len(self.offsets), root)
        if info is not None:
            trailer += b" /Info %d 0 R" % info
        lines.append(trailer + b" >>\nstartxref\n%d\n%%%%EOF\n" % xref_at)
        self._write(b"".join(lines))


def _plain(obj: PdfObject) -> bytes:
    buffer = io.BytesIO()
    obj.write_to_stream(buffer)
    return buffer.getvalue()


class Copier:
    """Copy objects of one parsed PDF into a :class:`PdfOut`, renumbered, each once.

    ``premapped`` sends some source objects to numbers chosen by the caller (the pages of a
    chunk to their new numbers, the chunk's page tree to the output's), so nothing outside
    the copied pages is pulled in through a back reference.
    """

    def __init__(self, out: PdfOut, premapped: dict[int, int] | None = None) -> None:
        self.out = out
        self.map: dict[int, int] = dict(premapped or {})
        self.queue: list[tuple[IndirectObject, int]] = []

    def ref(self, ind: IndirectObject) -> int:
        number = self.map.get(ind.idnum)
        if number is None:
            number = self.out.reserve()
            self.map[ind.idnum] = number
            self.queue.append((ind, number))
        return number

    def dump(self, obj: Any, skip: Iterable[str] = ()) -> bytes:
        if isinstance(obj, IndirectObject):
            return b"%d 0 R" % self.ref(obj)
        if isinstance(obj, StreamObject):
            data = obj._data  # the stored (still encoded) bytes: copied, never re-encoded
            head = self.dump_dict(obj, skip=("/Length", *skip))
            return head[:-2] + b" /Length %d>>\nstream\n" % len(data) + data + b"\nendstream"
        if isinstance(obj, DictionaryObject):
            return self.dump_dict(obj, skip=skip)
        if isinstance(obj, ArrayObject):
            return b"[" + b" ".join(self.dump(v) for v in obj) + b"]"
        return _plain(obj)

    def dump_dict(self, obj: DictionaryObject, skip: Iterable[str] = (),
                  extra: bytes = b"") -> bytes:
        skipped = set(skip)
        items = [_plain(NameObject(k)) + b" " + self.dump(v)
                 for k, v in obj.items() if k not in skipped]
        return b"<<" + b" ".join(items) + extra + b">>"

    def flush(self) -> None:
        """Write every object referenced so far (and what they reference)."""
        while self.queue:
            ind, number = self.queue.pop()
            self.out.write(number, self.dump(ind.get_object()))


def _page_tree_numbers(reader: PdfReader) -> list[int]:
    """Object numbers of the page-tree nodes (not the pages) of a parsed PDF."""
    out = []
    stack = [_dictionary(reader.trailer["/Root"], "/Root").raw_get("/Pages")]
    while stack:
        node = stack.pop()
        if not isinstance(node, IndirectObject):
            continue
        obj = node.get_object()
        if isinstance(obj, DictionaryObject) and obj.get("/Type") == "/Pages":
            out.append(node.idnum)
            kids = obj["/Kids"]  # resolved: the array, written inline or as its own object
            if isinstance(kids, ArrayObject):
                stack.extend(kids)
    return out


def _dictionary(obj: PdfObject | None, what: str) -> DictionaryObject:
    """``obj`` resolved, as the dictionary the PDF specification says it is."""
    resolved = obj.get_object() if obj is not None else None
    if not isinstance(resolved, DictionaryObject):
        raise ValueError(f"malformed PDF: {what} is not a dictionary")
    return resolved


def _number(page: PageObject) -> int:
    """The object number of a page of a parsed PDF (such a page always has one)."""
    if page.indirect_reference is None:
        raise ValueError("malformed PDF: a page that is not an indirect object")
    return page.indirect_reference.idnum


PageHook = Callable[[Copier, DictionaryObject], bytes]


def copy_pages(out: PdfOut, reader: PdfReader, pages_root: int, *,
               page_extra: PageHook | None = None) -> list[int]:
    """Copy every page of ``reader`` under ``pages_root``; return the new page numbers.

    ``page_extra`` may return more dictionary entries for a page (bytes) and must then
    supply ``/Resources`` and ``/Contents`` itself.
    """
    premapped = dict.fromkeys(_page_tree_numbers(reader), pages_root)
    refs = [_number(page) for page in reader.pages]
    numbers = [out.reserve() for _ in refs]
    premapped.update(dict(zip(refs, numbers, strict=True)))
    copier = Copier(out, premapped)
    for page, number in zip(reader.pages, numbers, strict=True):
        skip: tuple[str, ...] = ("/Parent",)
        extra = b" /Parent %d 0 R" % pages_root
        if page_extra is not None:
            skip += ("/Resources", "/Contents")
            extra += page_extra(copier, page)
        out.write(number, copier.dump_dict(page, skip=skip, extra=extra))
        copier.flush()
    copier.flush()
    return numbers


def finish(out: PdfOut, pages_root: int, kids: Sequence[int], *, title: str = "") -> None:
    """Write the page tree, the catalogue and the document information; close the file."""
    kid_refs = b" ".join(b"%d 0 R" % k for k in kids)
    out.write(pages_root, b"<< /Type /Pages /Count %d /Kids [%s] >>" % (len(kids), kid_refs))
    info = out.add(b"<< /Producer " + _plain_string("thidua-docs") +
                   (b" /Title " + _plain_string(title) if title else b"") + b" >>")
    root = out.add(b"<< /Type /Catalog /Pages %d 0 R >>" % pages_root)
    out.close(root, info)


def _plain_string(text: str) -> bytes:
    from pypdf.generic import create_string_object

    return _plain(create_string_object(text))


def concatenate(parts: Sequence[bytes | Path], handle: BinaryIO, *, title: str = "") -> int:
    """Write the pages of ``parts``, in order, as one PDF to ``handle``. Each part is parsed
    and copied then dropped, so memory does not grow with the number of parts.
    Returns the page count."""
    out = PdfOut(handle)
    pages_root = out.reserve()
    kids: list[int] = []
    for part in parts:
        reader = PdfReader(io.BytesIO(part) if isinstance(part, bytes) else str(part))
        kids.extend(copy_pages(out, reader, pages_root))
    finish(out, pages_root, kids, title=title)
    return len(kids)


# ---------------------------------------------------------------- backgrounds

BACKGROUND_NAME = "/ThiduaBackground"


class Background:
    """Page 1 of a PDF turned into a Form XObject to draw under other pages."""

    def __init__(self, pdf: bytes) -> None:
        self.reader = PdfReader(io.BytesIO(pdf))
        self.page = self.reader.pages[0]
        self.box = [float(v) for v in self.page.mediabox]

    def form_bytes(self, copier: Copier) -> bytes:
        """The Form XObject's object body, its resources copied through ``copier``."""
        contents = self.page.get_contents()
        data = contents.get_data() if contents is not None else b""
        stream = StreamObject()
        stream._data = data
        resources = self.page.raw_get("/Resources") if "/Resources" in self.page else None
        res = copier.dump(resources) if resources is not None else b"<<>>"
        bbox = " ".join(f"{v:g}" for v in self.box).encode()
        import zlib

        packed = zlib.compress(data, 6)
        return (b"<< /Type /XObject /Subtype /Form /BBox [" + bbox + b"] /Resources " + res +
                b" /Filter /FlateDecode /Length %d>>\nstream\n" % len(packed) + packed +
                b"\nendstream")


def overlay_hook(out: PdfOut, background: Background) -> PageHook:
    """A :func:`copy_pages` hook drawing ``background`` under each page (written once)."""
    state: dict[str, int] = {}

    def hook(copier: Copier, page: DictionaryObject) -> bytes:
        if "form" not in state:
            bg_copier = Copier(out)
            state["form"] = out.add(background.form_bytes(bg_copier))
            bg_copier.flush()
            call = b"q " + BACKGROUND_NAME.encode() + b" Do Q\n"
            state["call"] = out.add(b"<< /Length %d >>\nstream\n" % len(call) + call +
                                    b"\nendstream")
        resources = page.get("/Resources")
        resources = resources.get_object() if resources is not None else DictionaryObject()
        xobjects = resources.get("/XObject")
        xobj_entries = b""
        if xobjects is not None:
            xobj_entries = copier.dump_dict(xobjects.get_object())[2:-2]
        res = copier.dump_dict(resources, skip=("/XObject",), extra=(
            b" /XObject <<" + xobj_entries + b" " + BACKGROUND_NAME.encode() +
            b" %d 0 R>>" % state["form"]))
        contents = page.raw_get("/Contents") if "/Contents" in page else None
        if contents is None:
            items = b""
        elif isinstance(contents.get_object(), ArrayObject):
            items = copier.dump(contents.get_object())[1:-1]
        else:
            items = copier.dump(contents)
        return (b" /Resources " + res + b" /Contents [%d 0 R " % state["call"] + items + b"]")

    return hook


def write_overlaid(handle: BinaryIO, background: Background, pdf: bytes, *,
                   title: str = "") -> int:
    """Every page of ``pdf`` with ``background`` under it, as one PDF."""
    out = PdfOut(handle)
    pages_root = out.reserve()
    reader = PdfReader(io.BytesIO(pdf))
    kids = copy_pages(out, reader, pages_root, page_extra=overlay_hook(out, background))
    finish(out, pages_root, kids, title=title)
    return len(kids)


def split_pages(pdf: bytes, *, title: str = "") -> list[bytes]:
    """One standalone PDF per page of ``pdf`` (fonts and shared resources copied into each)."""
    reader = PdfReader(io.BytesIO(pdf))
    files = []
    for page in reader.pages:
        buffer = io.BytesIO()
        out = PdfOut(buffer)
        pages_root = out.reserve()
        premapped = dict.fromkeys(_page_tree_numbers(reader), pages_root)
        number = out.reserve()
        premapped[_number(page)] = number
        copier = Copier(out, premapped)
        out.write(number, copier.dump_dict(page, skip=("/Parent",),
                                           extra=b" /Parent %d 0 R" % pages_root))
        copier.flush()
        finish(out, pages_root, [number], title=title)
        files.append(buffer.getvalue())
    return files
