"""Is this a Vietnamese syllable? Used to tell real Vietnamese from text typed in a legacy
encoding and shown through the wrong code page (``Céng`` is not a syllable, ``Cộng`` is).

A syllable is (initial consonant) + rhyme + one tone, written by the modern orthography:
``k``/``gh``/``ngh`` before ``e ê i y``, ``c``/``g``/``ng`` elsewhere, ``q`` only as ``qu``,
a syllable ending in ``p t c ch`` only takes the sắc or nặng tone, and the tone mark sits on
the main vowel (``bàu``, not ``baù``); both placements are accepted where both are written
(``hoà``/``hòa``, ``hoè``/``hòe``, ``thuý``/``thúy``). The check is generous where that
cannot hide legacy text (``k`` before any vowel, as in *Bắc Kạn*; ``p`` and ``r`` initials of
loanwords) and strict where legacy text shows (a consonant cluster, a letter that is not
Vietnamese, two tones).
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

_TONE_MARKS = {"\u0300": "huyen", "\u0309": "hoi", "\u0303": "nga", "\u0301": "sac",
               "\u0323": "nang"}

_INITIALS = ("ngh", "ng", "gh", "gi", "kh", "nh", "ph", "qu", "th", "tr", "ch",
             "b", "c", "d", "đ", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x", "")


def _list(words: str) -> list[str]:
    return words.split()


_OPEN = _list("""a ai ao au ay âu ây e eo ê êu i ia iu iêu yêu o oi oa oai oao oay oe oeo ô ôi ơ ơi
u ua ui uơ uê uy uya uyu uây uôi ư ưa ưi ưu ươi ươu y""")
_CLOSED = _list("""am an ang anh ap at ac ach ăm ăn ăng ăp ăt ăc âm ân âng âp ât âc
em en eng ep et ec êm ên ênh êp êt êch im in inh ip it ich
iêm iên iêng iêp iêt iêc yêm yên yêng yêt
om on ong op ot oc oong ooc ôm ôn ông ôp ôt ôc ơm ơn ơp ơt
um un ung up ut uc uôm uôn uông uôt uôc ưm ưn ưng ưt ưc ươm ươn ương ươp ươt ươc
oam oan oang oanh oap oat oac oach oăm oăn oăng oăt oăc oen oet oem
uân uâng uât uênh uêch uyn uynh uyt uych uyên uyêt""")
RHYMES = frozenset(_OPEN + _CLOSED)
#: after "qu" the glide is already written: quang, quốc, quyết, quýnh, quýt
_AFTER_QU = frozenset(
    r for r in RHYMES if not r.startswith(("u", "o", "ư"))) | {"ynh", "yt", "ych", "yn"}
_FRONT = ("e", "ê", "i", "y")
_VOWELS = frozenset("aăâeêioôơuưy")
_MODIFIED = frozenset("ăâêôơư")
_BOTH_PLACEMENTS = ("oa", "oe", "uy")  # hoà/hòa, hoè/hòe, thuý/thúy

#: Frequent syllables of administrative text and names; only used to choose between two
#: legacy readings that are both Vietnamese (TCVN3 "Nhử" or VNI "Như" for ``Nhö``).
COMMON = frozenset(_list("""
an anh ba ban binh biên biểu bá báo bình bí bích bùi bạc bạch bản bảo bảy bằng bệnh bốn
bộ cao chiến cho chu chuyển chánh chín chính chương chất chế chỉ chịu chủ chức cá các
cán cáo có công căn cơ cường cả cảnh cầu cẩm cộng của cứ cựu danh diễm diệu do du dung
duy dân dũng dương dưới dạy dẫn dục dựng gia giai gian giang giao giám giáo giấy giữa
gửi hai hiếu hiền hiện hiệp hiệu hoa hoà hoài hoàng hoá hoạch huy huyền huyện huân huỳnh
hà hàm hành hân hình hòa hóa hùng hơn hương hướng hạng hạnh hải hậu hằng học hồ hồng hội
hợp hữu khai khen khi khoa khoản khánh không khúc khắc kim kinh kiến kiều kèm kính ký kế
kết kịp kỷ lam lan lao linh liên loan long luật là lâm lã lê lý lăm lưu lương lượng lần
lập lẻ lệ lịch lực mai minh my môi mươi mười mạc mạnh mầm mặt mốt mỗi một mới mục mức mỹ
nam nay nga nghiệp nghìn nghĩa nghệ nghị ngoài ngoại nguyễn nguyệt ngày ngân ngô người
ngọc nhiều nhiệm nhung nhà nhân nhì như nhất nhận nhật những ninh niên niệm non này nâng
nông năm nơi nước nội nữ oanh phan phong pháp phát phòng phó phúc phương phường phượng
phạm phố phổ phụ quan quang quy quyên quyết quách quân quả quản quốc quỳnh rồng rộng sao
sau sen sinh sách sáng sát sáu sĩ sơ sơn sư sắc số sở sự thanh thao theo thi thiết thoa
thu thuý thuận thuốc thành thái tháng thân thôn thông thùy thúy thơ thư thương thưởng
thảo thầy thắng thế thể thị thịnh thời thủy thứ thức thực tin tiên tiêu tiến tiền tiểu
toàn tra trang trinh triều triển triệu trong trung truyền trào trách trâm trên trình trí
trăm trước trường trưởng trần trận trịnh trọng tuyên tuyết tuấn tài tác tám tâm tích tín
tô tôn tùng tú tăng tư tường tượng tạ tại tạo tất tập tế tỉnh tịch tổ tổng tộc tờ từ tự
tỷ uyển uỷ vi vinh viên viện việt vy và vàng vân võ văn vĩnh vũ vương về vị với vụ xuân
xuất xây xã xét xưa y yên yêu yến ái ánh ân âu ít ông út ý đinh điều điểm điển đoàn đoạn
đua đào đây đã đình đích đó đăng đơn được đại đảo đặng đến đề để định đốc đối đồng đổi
đỗ độc đội động đức ưng ưu ấp ủy
"""))


def _split_tone(word: str) -> tuple[str, list[str], int]:
    """(letters without tone marks, the tone marks, index of the letter carrying the tone)."""
    bare: list[str] = []
    tones: list[str] = []
    index = -1
    for i, ch in enumerate(unicodedata.normalize("NFC", word)):
        decomposed = unicodedata.normalize("NFD", ch)
        marks = [m for m in decomposed if m in _TONE_MARKS]
        if marks:
            tones += [_TONE_MARKS[m] for m in marks]
            index = i
            ch = unicodedata.normalize("NFC", "".join(m for m in decomposed
                                                      if m not in _TONE_MARKS))
        bare.append(ch)
    return "".join(bare), tones, index


def _rhyme_ok(initial: str, rhyme: str) -> bool:
    if initial == "qu":
        return rhyme in _AFTER_QU
    if initial == "gi":
        # gia, giữ, giếng (= gi + iêng)
        return rhyme in RHYMES or ("i" + rhyme) in RHYMES
    if rhyme not in RHYMES:
        return False
    front = rhyme.startswith(_FRONT)
    if initial in ("gh", "ngh"):
        return front
    if initial in ("c", "g", "ng"):
        return not front
    return True


def _tone_positions(rhyme: str) -> set[int]:
    """Where the tone mark may sit in ``rhyme`` (indices), old and new placement."""
    n = 0
    while n < len(rhyme) and rhyme[n] in _VOWELS:
        n += 1
    nucleus, final = rhyme[:n], rhyme[n:]
    modified = [i for i, ch in enumerate(nucleus) if ch in _MODIFIED]
    if modified:
        return {modified[-1]}
    if final:
        return {n - 1}
    if n == 2 and nucleus in _BOTH_PLACEMENTS:
        return {0, 1}
    return {1} if n == 3 else {0}


@lru_cache(maxsize=16384)
def is_syllable(word: str) -> bool:
    """``True`` for one Vietnamese syllable (any case, NFC or NFD, either tone placement)."""
    if not word or len(word) > 12:
        return False
    bare, tones, tone_at = _split_tone(word.lower())
    if len(tones) > 1 or not bare.isalpha():
        return False
    tone = tones[0] if tones else None
    for initial in _INITIALS:
        if not bare.startswith(initial):
            continue
        rhyme = bare[len(initial):]
        start = len(initial)
        if initial == "gi" and (not rhyme or rhyme[0] not in _VOWELS):
            rhyme, start = "i" + rhyme, 1  # gì, gìn: the i of "gi" is the vowel
            if rhyme not in RHYMES:
                continue
        elif not _rhyme_ok(initial, rhyme):
            continue
        if rhyme.endswith(("p", "t", "c", "ch")) and tone not in ("sac", "nang"):
            continue
        if tone is not None and tone_at - start not in _tone_positions(rhyme):
            continue
        return True
    return False


def is_vietnamese_word(token: str) -> bool:
    """``True`` when every hyphen/apostrophe-separated part of ``token`` is a syllable
    (``Bà-Rịa``, ``H'Mông`` fails on ``H``: minority names are not judged here)."""
    parts = [p for p in token.replace("\u00a0", "-").replace("'", "-").split("-") if p]
    return bool(parts) and all(is_syllable(p) for p in parts)


def is_common(token: str) -> bool:
    """``True`` when every part of ``token`` is a frequent syllable (case-insensitive)."""
    parts = [p for p in token.replace("\u00a0", "-").replace("'", "-").split("-") if p]
    return bool(parts) and all(unicodedata.normalize("NFC", p.lower()) in COMMON
                               for p in parts)


def natural_case(token: str) -> bool:
    """``True`` for ``lower``, ``Title`` or ``UPPER`` parts (``MÉn`` is none of them)."""
    for part in token.replace("\u00a0", "-").replace("'", "-").split("-"):
        if part and not (part == part.lower() or part == part.upper()
                         or (part[0].isupper() and part[1:] == part[1:].lower())):
            return False
    return True
