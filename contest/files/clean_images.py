"""Photos and pictures of an entry without their authors' metadata, rewritten losslessly.

*PNG* (chunk-level, the pixel data is copied byte for byte): every chunk except IHDR, PLTE,
IDAT, IEND and the ones that change how pixels are shown (tRNS, gAMA, cHRM, sRGB, iCCP, sBIT,
bKGD, pHYs, cICP, mDCV, cLLI, and the APNG animation chunks acTL, fcTL, fdAT). So tEXt, zTXt,
iTXt, eXIf, tIME, sPLT, pCAL and any private chunk go. The free-text name of an ICC profile
(iCCP) is replaced by "ICC profile". Bytes after IEND are dropped.

*JPEG* (marker-level, the compressed image data is copied byte for byte): APP1 (EXIF, with
GPS, camera owner, artist, thumbnails; XMP), APP13 (IPTC, Photoshop), every other APPn, and
COM comments. Kept: the JFIF header (its thumbnail removed), the ICC profile (APP2
ICC_PROFILE) and the Adobe colour-transform flags (APP14), which change how colours decode.
Bytes after the end-of-image marker (appended files, the extra pictures of an MPO) go.

Orientation: a photo's EXIF orientation decides which way up it is shown, so when it is not
the default a minimal EXIF block holding only the orientation tag replaces the original one
(in JPEG and in PNG's eXIf chunk). Nothing else of the EXIF survives.
"""
from __future__ import annotations

import re
import struct
import zlib

from contest.files.errors import SanitizeError

__all__ = ["clean_jpeg", "clean_png"]


# --------------------------------------------------------------------------- EXIF orientation

def _exif_orientation(tiff: bytes) -> int:
    """The Orientation tag (1..8) of an EXIF (TIFF) block; 1 when absent or unreadable."""
    if tiff.startswith(b"Exif\x00\x00"):
        tiff = tiff[6:]
    order = {b"II": "<", b"MM": ">"}.get(tiff[:2])
    try:
        if order is None or struct.unpack_from(order + "H", tiff, 2)[0] != 42:
            return 1
        ifd = struct.unpack_from(order + "I", tiff, 4)[0]
        count = struct.unpack_from(order + "H", tiff, ifd)[0]
        for i in range(count):
            tag, kind, n = struct.unpack_from(order + "HHI", tiff, ifd + 2 + 12 * i)
            if tag == 0x0112 and kind == 3 and n == 1:
                value = struct.unpack_from(order + "H", tiff, ifd + 10 + 12 * i)[0]
                return value if 1 <= value <= 8 else 1
    except struct.error:
        pass
    return 1


def _orientation_only_exif(orientation: int) -> bytes:
    """A big-endian TIFF block whose only tag is Orientation."""
    return (b"MM\x00\x2a\x00\x00\x00\x08" + struct.pack(">H", 1)
            + struct.pack(">HHIHH", 0x0112, 3, 1, orientation, 0) + b"\x00\x00\x00\x00")


# --------------------------------------------------------------------------- PNG

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_KEPT = {b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP",
            b"sBIT", b"bKGD", b"pHYs", b"cICP", b"mDCV", b"cLLI", b"acTL", b"fcTL", b"fdAT"}


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def clean_png(data: bytes) -> bytes:
    if not data.startswith(PNG_SIGNATURE):
        raise SanitizeError("Not a PNG file: the signature is missing.")
    out = [PNG_SIGNATURE]
    pos, has_idat = len(PNG_SIGNATURE), False
    while True:
        if pos + 12 > len(data):
            raise SanitizeError("The PNG file is truncated: it ends before its IEND chunk.")
        length, kind = struct.unpack_from(">I4s", data, pos)
        end = pos + 12 + length
        if length > 0x7FFFFFFF or end > len(data):
            raise SanitizeError(f"The PNG file is truncated inside a {kind!r} chunk.")
        if not re.fullmatch(rb"[A-Za-z]{4}", kind):
            raise SanitizeError(f"The PNG file is damaged: bad chunk type at byte {pos}.")
        body = data[pos + 8:pos + 8 + length]
        if zlib.crc32(kind + body) != struct.unpack_from(">I", data, end - 4)[0]:
            raise SanitizeError(f"The PNG file is damaged: the {kind.decode()} chunk fails its CRC.")
        if (pos == len(PNG_SIGNATURE)) != (kind == b"IHDR") or (kind == b"IHDR" and length != 13):
            raise SanitizeError("The PNG file is damaged: it must start with one IHDR chunk.")
        pos = end
        if kind == b"IEND":
            if not has_idat:
                raise SanitizeError("The PNG file has no image data (IDAT).")
            out.append(_png_chunk(kind, b""))
            return b"".join(out)           # anything after IEND is dropped
        has_idat = has_idat or kind == b"IDAT"
        if kind == b"iCCP":
            name_end = body.find(b"\x00")
            if not 1 <= name_end <= 79:
                raise SanitizeError("The PNG file is damaged: bad iCCP chunk.")
            out.append(_png_chunk(kind, b"ICC profile" + body[name_end:]))
        elif kind in PNG_KEPT:
            out.append(data[end - 12 - length:end])
        elif kind == b"eXIf":
            orientation = _exif_orientation(body)
            if orientation != 1:
                out.append(_png_chunk(kind, _orientation_only_exif(orientation)))
        elif not kind[0] & 0x20:
            raise SanitizeError(f"The PNG file has an unknown critical chunk {kind.decode()}.")
        # every other ancillary chunk (text, time, private data) is dropped


# --------------------------------------------------------------------------- JPEG

# Markers kept as they are: frames (SOFn), tables (DHT, DAC, DQT), restart interval, line
# count, hierarchical and JPEG-LS headers.
JPEG_STRUCTURE = set(range(0xC0, 0xD0)) | {0xDB, 0xDC, 0xDD, 0xDE, 0xDF, 0xF7, 0xF8}
JPEG_FRAMES = set(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC} | {0xF7}


def _jpeg_segment(marker: int, payload: bytes) -> bytes:
    return struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload


def clean_jpeg(data: bytes, cut_scan_allowed: bool = False) -> bytes:
    """The JPEG without metadata segments.

    :param cut_scan_allowed: accept image data that runs to the end of the file without an
        end-of-image marker (viewers draw what is there); used for images inside a PDF, whose
        metadata segments all come before the image data anyway.
    """
    if not data.startswith(b"\xff\xd8"):
        raise SanitizeError("Not a JPEG file: the start-of-image marker is missing.")
    out = [b"\xff\xd8"]
    pos, n = 2, len(data)
    has_frame = has_scan = exif_seen = False
    while True:
        if pos >= n:
            raise SanitizeError("The JPEG file is truncated: it has no end-of-image marker.")
        if data[pos] != 0xFF:
            raise SanitizeError(f"The JPEG file is damaged: no marker at byte {pos}.")
        while pos < n and data[pos] == 0xFF:      # fill bytes
            pos += 1
        if pos >= n:
            raise SanitizeError("The JPEG file is truncated: it has no end-of-image marker.")
        marker = data[pos]
        pos += 1
        if marker == 0xD9:
            if not (has_frame and has_scan):
                raise SanitizeError("The JPEG file has no image data.")
            out.append(b"\xff\xd9")
            return b"".join(out)           # anything after the end of the image is dropped
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            out.append(bytes((0xFF, marker)))   # standalone markers, no length
            continue
        if marker in (0x00, 0xD8) or pos + 2 > n:
            raise SanitizeError(f"The JPEG file is damaged at byte {pos}.")
        length = struct.unpack_from(">H", data, pos)[0]
        if length < 2 or pos + length > n:
            raise SanitizeError("The JPEG file is truncated inside a segment.")
        segment = data[pos - 2:pos + length]
        payload = data[pos + 2:pos + length]
        pos += length
        if marker == 0xDA:                 # start of scan: entropy-coded data follows
            has_scan, start = True, pos
            while True:
                ff = data.find(b"\xff", pos)
                after = n if ff < 0 else ff + 1
                while after < n and data[after] == 0xFF:
                    after += 1
                if after >= n:
                    if not cut_scan_allowed:
                        raise SanitizeError("The JPEG file is truncated inside the image data.")
                    out.append(segment + data[start:n if ff < 0 else ff] + b"\xff\xd9")
                    return b"".join(out)
                if data[after] == 0x00 or 0xD0 <= data[after] <= 0xD7:
                    pos = after + 1        # stuffed byte or restart marker: still data
                    continue
                out.append(segment + data[start:ff])
                pos = ff
                break
        elif marker in JPEG_STRUCTURE:
            has_frame = has_frame or marker in JPEG_FRAMES
            out.append(segment)
        elif marker == 0xE0 and payload.startswith(b"JFIF\x00") and len(payload) >= 14:
            out.append(_jpeg_segment(marker, payload[:12] + b"\x00\x00"))   # no thumbnail
        elif marker == 0xE1 and payload.startswith(b"Exif\x00\x00") and not exif_seen:
            exif_seen = True
            orientation = _exif_orientation(payload[6:])
            if orientation != 1:
                out.append(_jpeg_segment(marker, b"Exif\x00\x00" + _orientation_only_exif(orientation)))
        elif marker == 0xE2 and payload.startswith(b"ICC_PROFILE\x00"):
            out.append(segment)
        elif marker == 0xEE and payload.startswith(b"Adobe") and len(payload) >= 12:
            out.append(_jpeg_segment(marker, payload[:12]))
        elif 0xE0 <= marker <= 0xEF or marker >= 0xF0:
            pass                           # APPn, JPGn and COM: metadata, dropped
        else:
            raise SanitizeError(f"The JPEG file has an unexpected marker 0x{marker:02X}.")
