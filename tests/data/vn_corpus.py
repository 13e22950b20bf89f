"""A corpus of real Vietnamese Unicode text: full names built from common family, middle and
given names (every tone), plus agency names, headings, titles and sentences from the domain."""

FAMILY = ("Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Đinh Đoàn "  # noqa: SIM905
          "Trịnh Lương Mai Tạ Cao Lâm Quách Tô Hà Thái Chu Vương Lưu Tăng Kiều Khúc Ông").split()
MIDDLE = ("Văn Thị Hữu Đức Minh Quốc Thanh Ngọc Xuân Thu Hoài Bảo Gia Khánh Mạnh Đình Thế Như "  # noqa: SIM905
          "Tuấn Hồng Kim Diệu Phương").split()
GIVEN = ("An Anh Ánh Ân Bình Bảo Châu Chi Cường Dũng Duy Dương Đạt Đức Giang Hà Hải Hạnh Hằng "  # noqa: SIM905
         "Hiền Hiếu Hòa Hoà Hùng Hương Hường Huy Khải Khoa Lan Linh Loan Long Lực Mai Minh My "
         "Nam Nga Ngân Nghĩa Ngọc Nhung Oanh Phong Phúc Phượng Quân Quang Quyên Sơn Tâm Thảo "
         "Thắng Thủy Thúy Tiến Toàn Trang Trinh Trung Tú Tuấn Tùng Uyên Út Ưng Vân Việt Vinh "
         "Xuân Yến Ẩn Ửng Ỷ Ỹ Ậu Ễ Ỡ Ữ Ựu Ỵ").split()

PHRASES = [
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
    "ỦY BAN NHÂN DÂN TỈNH QUẢNG TRỊ", "SỞ THÔNG TIN VÀ TRUYỀN THÔNG",
    "SỞ GIÁO DỤC VÀ ĐÀO TẠO", "BỘ KHOA HỌC VÀ CÔNG NGHỆ", "BỘ NỘI VỤ",
    "Ban Thi đua - Khen thưởng Trung ương", "Hội đồng Thi đua - Khen thưởng",
    "Về công tác thi đua, khen thưởng năm 2027", "Về việc tặng Giấy khen",
    "Chiến sĩ thi đua cơ sở", "Lao động tiên tiến", "Tập thể lao động xuất sắc",
    "Cờ thi đua của Chính phủ", "Huân chương Lao động hạng Ba", "Bằng khen của Bộ trưởng",
    "Đã có thành tích xuất sắc trong công tác năm học 2025 - 2026",
    "Trường Trung học phổ thông Hàm Rồng", "Phòng Tổ chức cán bộ", "Văn phòng Sở",
    "Thủ tướng Chính phủ (để b/c)", "Các Thứ trưởng", "Cổng Thông tin điện tử Bộ",
    "Lưu: VT, TĐKT", "Căn cứ Luật Thi đua, khen thưởng số 06/2022/QH15",
    "Theo đề nghị của Trưởng phòng Tổ chức cán bộ", "Quyết định này có hiệu lực kể từ ngày ký",
    "Chánh Văn phòng, Trưởng các phòng, đơn vị có liên quan chịu trách nhiệm thi hành",
    "Năm 2026, với phương châm hành động “Làm gương, Kỷ cương, Trọng tâm, Bứt phá”",
    "Thành phố Hồ Chí Minh", "Hà Nội", "Đà Nẵng", "Huế", "Cần Thơ", "Hải Phòng", "Quảng Ninh",
    "Thanh Hóa", "Nghệ An", "Hà Tĩnh", "Quảng Bình", "Thừa Thiên Huế", "Quảng Nam",
    "Quảng Ngãi", "Bình Định", "Phú Yên", "Khánh Hòa", "Ninh Thuận", "Bình Thuận", "Kon Tum",
    "Gia Lai", "Đắk Lắk", "Đắk Nông", "Lâm Đồng", "Bình Phước", "Tây Ninh", "Bình Dương",
    "Đồng Nai", "Bà Rịa - Vũng Tàu", "Long An", "Tiền Giang", "Bến Tre", "Trà Vinh",
    "Vĩnh Long", "Đồng Tháp", "An Giang", "Kiên Giang", "Hậu Giang", "Sóc Trăng", "Bạc Liêu",
    "Cà Mau", "Lào Cai", "Yên Bái", "Điện Biên", "Hòa Bình", "Lai Châu", "Sơn La", "Hà Giang",
    "Cao Bằng", "Bắc Kạn", "Lạng Sơn", "Tuyên Quang", "Thái Nguyên", "Phú Thọ", "Bắc Giang",
    "Vĩnh Phúc", "Bắc Ninh", "Hải Dương", "Hưng Yên", "Thái Bình", "Hà Nam", "Nam Định",
    "Ninh Bình", "phường Điện Biên Phủ", "xã Hòa Tiến", "Quận 1",
    "Giáo viên Trường THPT Hàm Rồng", "Phó Giám đốc Sở Tài chính", "Trưởng phòng Nội vụ",
    "Chuyên viên chính Phòng Kế hoạch - Tài chính", "Kế toán trưởng", "Bác sĩ chuyên khoa II",
    "Công an tỉnh", "Bộ Chỉ huy Quân sự tỉnh", "Liên đoàn Lao động tỉnh",
    "Hội Liên hiệp Phụ nữ", "Đoàn Thanh niên Cộng sản Hồ Chí Minh", "Hợp tác xã Nông nghiệp",
    "Một triệu tám trăm bảy mươi nghìn đồng", "Hai nghìn không trăm hai mươi tư đồng",
    "nghiêm túc thực hiện Chỉ thị này", "đăng ký thi đua trước ngày 15 tháng 3",
    "ưu tiên tập thể nhỏ, đơn vị ở vùng khó khăn", "phát hiện, bồi dưỡng, nhân rộng điển hình",
    "Müller", "O'Brien", "THPT", "UBND", "KT. GIÁM ĐỐC", "TM. ỦY BAN NHÂN DÂN",
]


def names(limit: int = 1200) -> list[str]:
    out = []
    for i, given in enumerate(GIVEN):
        for j, family in enumerate(FAMILY):
            middle = MIDDLE[(i + j) % len(MIDDLE)]
            out.append(f"{family} {middle} {given}")
            if j % 3 == 0:
                out.append(f"{family} {MIDDLE[(i * 7 + j) % len(MIDDLE)]} "
                           f"{MIDDLE[(i + 3 * j) % len(MIDDLE)]} {given}")
    return out[:limit]
