"""Certificate benchmark: the zip an organizer downloads for a season, built by the same pure PDF
builder, for N certificates (default 500) with Uzbek, Russian and English wording.

Run as ``python bench/certificates.py [N]``. CPU seconds are what counts on a shared machine; the
last line is ``certificates: n=... cpu_ms_per_certificate=... kb_per_certificate=... zip_mb=...``.
Targets: at most 40 ms of CPU per certificate (a 5 000-author season zips in under 4 CPU minutes,
in a background job) and at most 80 KB per certificate (the job keeps the zip until it is fetched).
Exits 1 when a target is missed.
"""
from __future__ import annotations

import io
import sys
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from contest.pdf.certificate import CertificateText, build

CPU_MS_TARGET = 40.0
KB_TARGET = 80.0

WORDING = {
    "uz": ("Gʻolib sertifikati", "Ushbu sertifikat shuni tasdiqlaydiki", "«{title}» ishining muallifi",
           "Eng yaxshi gʻoya, 2026-yilgi mavsum", "{rank}-oʻrin", "Berilgan sana: 15 sentabr 2026", "Tekshirish kodi",
           "Sertifikatni tekshirish uchun QR kodni skanerlang yoki ushbu manzilni oching:"),
    "ru": ("Сертификат победителя", "Настоящим удостоверяется, что", "автор работы «{title}»",
           "Лучшая идея, сезон 2026", "{rank}-е место", "Выдан 15 сентября 2026", "Код проверки",
           "Чтобы проверить сертификат, отсканируйте QR-код или откройте этот адрес:"),
    "en": ("Winner's certificate", "This certifies that", "author of the entry “{title}”",
           "The Best Idea, Season 2026", "Place {rank}", "Issued 15 September 2026", "Verification code",
           "Scan the QR code or open this address to check the certificate:"),
}


def text(n: int) -> CertificateText:
    language = ("uz", "ru", "en")[n % 3]
    heading, presented, entry, contest, place, issued, label, hint = WORDING[language]
    code = f"{n:04d}-ABCD-EFGH-JKMN"
    return CertificateText(language, heading, presented, f"Oʻktamjon Gʻulomov-Сергеева {n}",
                           (entry.format(title=f"Quyosh mikrotarmogʻi va shamol generatori {n}"), contest,
                            place.format(rank=n % 10 + 1)),
                           issued, label, code, hint, f"https://contests.example.uz/certificates/verify/{code}")


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    build(text(0))  # fonts registered and parsed once per process, as in a worker
    out = io.BytesIO()
    started, cpu = time.perf_counter(), time.process_time()
    total = 0
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for i in range(n):
            data = build(text(i))
            total += len(data)
            archive.writestr(f"certificate-{i}.pdf", data)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    cpu_ms, kb = 1000 * cpu / n, total / n / 1024
    print(f"built {n} certificates in {seconds:.2f} s wall, {cpu:.2f} cpu_seconds")
    print(f"certificates: n={n} cpu_ms_per_certificate={cpu_ms:.1f} kb_per_certificate={kb:.1f} "
          f"zip_mb={len(out.getvalue()) / 2**20:.1f}")
    missed = []
    if cpu_ms > CPU_MS_TARGET:
        missed.append(f"{cpu_ms:.1f} ms of CPU per certificate > {CPU_MS_TARGET} ms")
    if kb > KB_TARGET:
        missed.append(f"{kb:.1f} KB per certificate > {KB_TARGET} KB")
    if missed:
        print("missed: " + "; ".join(missed))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
