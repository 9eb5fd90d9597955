"""Public verification of certificates: /verify/<number>?code=…

Each capability that issues numbered certificates registers a verifier: a function that takes
the number and the code and returns (template, context) for a genuine certificate, or raises
NotFound. The page never tells a wrong code from a missing number.
"""
import segno

VERIFIERS = {}  # number length -> verifier


def register_verifier(length, verifier):
    VERIFIERS[length] = verifier


def verify(number, code):
    from .errors import NotFound

    verifier = VERIFIERS.get(len(number or ""))
    if verifier is None or not (number or "").isdigit():
        raise NotFound()
    return verifier(number, code)


def qr_data_uri(url):
    """A QR code of `url` as an SVG data URI (the CSP allows data: images, nothing inline)."""
    return segno.make(url, error="m").svg_data_uri(scale=4, border=2)
