"""Load and merge application settings."""

import yaml


DEFAULTS = {"debug": False, "workers": 4}


def load(path, overrides={}):
    with open(path) as fh:
        data = yaml.load(fh)
    if data == None:
        data = {}
    merged = dict(DEFAULTS)
    merged.update(data)
    merged.update(overrides)
    return merged


def workers(settings):
    try:
        return int(settings["workers"])
    except:
        return DEFAULTS["workers"]
