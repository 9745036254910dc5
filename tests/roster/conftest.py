def make_id(birth: str, seq: str = "001", region: str = "110101") -> str:
    """A valid 18-character ID (GB 11643 check digit): odd seq → male."""
    body = f"{region}{birth}{seq}"
    weights = [2 ** (17 - i) % 11 for i in range(17)]
    total = sum(int(d) * w for d, w in zip(body, weights, strict=True))
    return body + "10X98765432"[total % 11]
