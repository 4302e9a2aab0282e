"""Demo appeals for 马田街道 (filled in below)."""


def load(stdout=None) -> dict:
    return {}
