"""Small, real image files for the end-to-end tests of cover uploads.

Each is a 1x1 picture, byte for byte the same as in tests/unit/test_cover.c
(which checks that libmagic calls them image/png, image/jpeg, image/webp
and image/gif). They were checked to decode with libpng, libjpeg and
libwebp. Only the Python standard library is used.

    import images
    body = images.png()
    name = images.cover_name(body, "png")   # what lib/cover.c stores it as
"""
import base64
import hashlib

# 1x1 RGB, 8-bit, one IDAT.
_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR42mPQyt8CAAIUAU5poUjZ"
    "AAAAAElFTkSuQmCC")

# 1x1 grey baseline JFIF, as libjpeg writes it with optimised Huffman tables.
_JPEG = base64.b64decode(
    "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8UHRofHh0a"
    "HBwgJC4nICIsIxwcKDcpLDAxNDQ0Hyc5PTgyPC4zNDL/wAALCAABAAEBAREA/8QAFAABAAAAAAAA"
    "AAAAAAAAAAAAAP/EABQQAQAAAAAAAAAAAAAAAAAAAAD/2gAIAQEAAD8AP//Z")

# 1x1 lossy WebP: RIFF....WEBPVP8 with one key frame.
_WEBP = base64.b64decode("UklGRiIAAABXRUJQVlA4IBYAAAAwAQCdASoBAAEADsD+JaQAA3AAAAAA")

# 1x1 transparent GIF89a: a real image of a kind covers refuse.
_GIF = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


def png():
    """A 1x1 PNG (69 bytes)."""
    return _PNG


def jpeg():
    """A 1x1 JPEG/JFIF (159 bytes)."""
    return _JPEG


def webp():
    """A 1x1 lossy WebP (42 bytes)."""
    return _WEBP


def gif():
    """A 1x1 GIF89a (42 bytes); refused as a cover whatever it is called."""
    return _GIF


def cover_name(data, ext):
    """The file name lib/cover.c stores data under: hex BLAKE2b-256 + ext
    ("jpg", "png" or "webp")."""
    return hashlib.blake2b(data, digest_size=32).hexdigest() + "." + ext


def multipart(fields, files, boundary="----carrel-test-boundary-7MA4YWxkTrZu0gW"):
    """A multipart/form-data body and its Content-Type value.

    fields: list of (name, value) text pairs, e.g. [("csrf", token)].
    files: list of (field, filename, content_type, data bytes); the filename
    and content type are sent as given, so a test can lie about both.
    """
    out = []
    for name, value in fields:
        out.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n"
                    % (boundary, name)).encode() + value.encode() + b"\r\n")
    for field, filename, ctype, data in files:
        out.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"; "
                    "filename=\"%s\"\r\nContent-Type: %s\r\n\r\n"
                    % (boundary, field, filename, ctype)).encode() + data + b"\r\n")
    out.append(("--%s--\r\n" % boundary).encode())
    return b"".join(out), "multipart/form-data; boundary=" + boundary
