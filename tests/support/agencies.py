"""Real agency names for the line-breaking tests, written independently of the vocabulary in
service/vn/data: each ``[…]`` is a word (or a name) that a line must never end inside, as an
official reads it. ``head`` is the title of the agency's head, for authority and signer lines.
"""

from __future__ import annotations

import re

# (parent or None, agency, head of the agency)
AGENCIES: list[tuple[str | None, str, str]] = [
    (None, "Bộ [Thông tin] và [Truyền thông]", "[Bộ trưởng]"),
    (None, "Bộ [Khoa học] và [Công nghệ]", "[Bộ trưởng]"),
    (None, "Bộ [Nông nghiệp] và [Phát triển] [nông thôn]", "[Bộ trưởng]"),
    (None, "Bộ [Văn hóa], [Thể thao] và [Du lịch]", "[Bộ trưởng]"),
    (None, "Bộ [Lao động] - [Thương binh] và [Xã hội]", "[Bộ trưởng]"),
    (None, "Bộ [Giáo dục] và [Đào tạo]", "[Bộ trưởng]"),
    (None, "Bộ [Tài nguyên] và [Môi trường]", "[Bộ trưởng]"),
    (None, "Bộ [Kế hoạch] và [Đầu tư]", "[Bộ trưởng]"),
    (None, "[Ngân hàng] [Nhà nước] [Việt Nam]", "[Thống đốc]"),
    (None, "[Ủy ban] [nhân dân] tỉnh [Quảng Trị]", "[Chủ tịch]"),
    (None, "[Ủy ban] [nhân dân] [thành phố] [Hồ Chí Minh]", "[Chủ tịch]"),
    (None, "[Ủy ban] [nhân dân] tỉnh [Bà Rịa] - [Vũng Tàu]", "[Chủ tịch]"),
    (None, "[Ủy ban] [nhân dân] tỉnh [Thừa Thiên] Huế", "[Chủ tịch]"),
    (None, "[Ủy ban] [nhân dân] tỉnh [Đắk Lắk]", "[Chủ tịch]"),
    ("[Ủy ban] [nhân dân] tỉnh [Quảng Trị]", "Sở [Thông tin] và [Truyền thông]", "[Giám đốc]"),
    ("[Ủy ban] [nhân dân] tỉnh [Nghệ An]", "Sở [Nông nghiệp] và [Phát triển] [nông thôn]",
     "[Giám đốc]"),
    ("[Ủy ban] [nhân dân] tỉnh [Khánh Hòa]", "Sở [Văn hóa], [Thể thao] và [Du lịch]",
     "[Giám đốc]"),
    ("[Ủy ban] [nhân dân] [thành phố] [Hải Phòng]", "Sở [Lao động] - [Thương binh] và [Xã hội]",
     "[Giám đốc]"),
    ("[Ủy ban] [nhân dân] tỉnh [Lâm Đồng]", "Sở [Khoa học] và [Công nghệ]", "[Giám đốc]"),
    ("[Ủy ban] [nhân dân] tỉnh [Thanh Hóa]", "Sở [Giáo dục] và [Đào tạo]", "[Giám đốc]"),
    ("Bộ [Lao động] - [Thương binh] và [Xã hội]", "Cục [Bảo trợ] [xã hội]", "[Cục trưởng]"),
    ("[Ủy ban] [nhân dân] tỉnh [Quảng Trị]", "[Hội đồng] [Thi đua] - [Khen thưởng]",
     "[Chủ tịch]"),
    ("[Ủy ban] [nhân dân] [thành phố] [Đông Hà]", "Phòng [Giáo dục] và [Đào tạo]",
     "[Trưởng phòng]"),
    ("Sở [Giáo dục] và [Đào tạo] tỉnh [Thanh Hóa]",
     "Trường [Trung học] [phổ thông] chuyên [Lam Sơn]", "[Hiệu trưởng]"),
    ("Bộ [Giáo dục] và [Đào tạo]", "Trường [Đại học] [Sư phạm] [Hà Nội]", "[Hiệu trưởng]"),
    ("[Ủy ban] [nhân dân] huyện [Triệu Sơn]",
     "[Trung tâm] [Giáo dục] [nghề nghiệp] - [Giáo dục] [thường xuyên] huyện [Triệu Sơn]",
     "[Giám đốc]"),
]


def plain(annotated: str) -> str:
    """The name as a clerk types it."""
    return annotated.replace("[", "").replace("]", "")


def words_of(annotated: str) -> list[list[str]]:
    """The name's units: a bracketed word as its syllables, any other token alone."""
    return [word.split() if word else [token]
            for word, token in re.findall(r"\[([^\]]+)\][,.]?|(\S+)", annotated)]


def split_inside_a_word(lines: list[str], annotated: str) -> str | None:
    """The first word of ``annotated`` that ``lines`` (in capitals) split, or None.

    Lines are compared word by word, case and punctuation aside, so the check sees only
    where each line ends."""
    def key(token: str) -> str:
        return token.strip(",.").upper()

    boundaries, count = set(), 0
    for line in lines:
        count += len(line.split())
        boundaries.add(count)
    position = 0
    for unit in words_of(annotated):
        for inside in range(1, len(unit)):
            if position + inside in boundaries:
                return " ".join(unit)
        position += len(unit)
    flat = [key(t) for line in lines for t in line.split()]
    expected = [key(t) for t in plain(annotated).split()]
    assert flat == expected, (flat, expected)
    return None
