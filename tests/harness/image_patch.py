#!/usr/bin/env python3
"""tests/harness/image_patch.py: damages ckpt image files on purpose for the error-path
tests (layout: libckpt/image/image_format.h, format v1; CRC32C as in crc32c.h).

  image_patch.py truncate|flip-region|flip-largest|magic|future-version IMAGE

flip-largest flips a byte in the middle of the region with the most saved pages (read by
several threads at restart).

future-version recomputes the header CRC, so that only the version check can fire.
Python stdlib only."""
import os
import struct
import sys

OFF_HEADER_SIZE = 16          # ImageHeader::header_size: sizeof(ImageHeader) of the writer
OFF_VERSION = 8               # ImageHeader::format_version
OFF_HEADER_CRC = 20           # ImageHeader::header_crc
OFF_REGION_TABLE = 1784       # region_table_offset (u64), region_count (u32) at 1792
REGION_ENTRY = 112            # sizeof(RegionEntry)
OFF_DATA_OFFSET, OFF_DATA_PAGES = 72, 80  # in RegionEntry
FORMAT_VERSION = 1


def _crc_table():
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ (0x82F63B78 if c & 1 else 0)
        table.append(c)
    return table


_TABLE = _crc_table()


def crc32c(data, seed=0):
    crc = seed ^ 0xFFFFFFFF
    for b in data:
        crc = _TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def header_crc(header):
    size = struct.unpack_from("<I", header, OFF_HEADER_SIZE)[0]
    zeroed = header[:OFF_HEADER_CRC] + b"\0\0\0\0" + header[OFF_HEADER_CRC + 4:size]
    return crc32c(zeroed)


def read_header(path):
    with open(path, "rb") as f:
        header = f.read(4096)
    if len(header) < 4096 or struct.unpack_from("<I", header, OFF_HEADER_SIZE)[0] > 4096:
        raise ValueError(f"{path}: shorter than an image header")
    stored = struct.unpack_from("<I", header, OFF_HEADER_CRC)[0]
    if header_crc(header) != stored:
        raise ValueError(f"{path}: header CRC does not match before patching "
                         "(image_format.h changed? update image_patch.py)")
    return header


def first_data_offset(path, header):
    table, count = struct.unpack_from("<QI", header, OFF_REGION_TABLE)
    with open(path, "rb") as f:
        f.seek(table)
        entries = f.read(count * REGION_ENTRY)
    for i in range(count):
        data_offset, pages = struct.unpack_from("<QQ", entries, i * REGION_ENTRY + OFF_DATA_OFFSET)
        if pages:
            return data_offset + 100
    raise ValueError(f"{path}: no region with saved pages")


def middle_of_largest(path, header):
    table, count = struct.unpack_from("<QI", header, OFF_REGION_TABLE)
    with open(path, "rb") as f:
        f.seek(table)
        entries = f.read(count * REGION_ENTRY)
    regions = [struct.unpack_from("<QQ", entries, i * REGION_ENTRY + OFF_DATA_OFFSET)
               for i in range(count)]
    data_offset, pages = max(regions, key=lambda r: r[1])
    if not pages:
        raise ValueError(f"{path}: no region with saved pages")
    return data_offset + pages * 4096 // 2 + 4096 * 3 + 777


def patch(op, path):
    header = read_header(path)
    with open(path, "r+b") as f:
        if op == "truncate":
            f.truncate(os.path.getsize(path) // 2)
        elif op in ("flip-region", "flip-largest"):
            offset = (first_data_offset if op == "flip-region" else middle_of_largest)(path, header)
            f.seek(offset)
            byte = f.read(1)
            f.seek(offset)
            f.write(bytes([byte[0] ^ 0x5A]))
        elif op == "magic":
            f.write(b"NOTCKPT!")
        elif op == "future-version":
            patched = bytearray(header)
            struct.pack_into("<I", patched, OFF_VERSION, FORMAT_VERSION + 1)
            struct.pack_into("<I", patched, OFF_HEADER_CRC, header_crc(bytes(patched)))
            f.write(patched)
        else:
            raise ValueError(f"unknown operation {op}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    patch(sys.argv[1], sys.argv[2])
