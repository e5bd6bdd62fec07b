"""parknews's own exceptions, below every module that raises them."""


class ConfigError(ValueError):
    """A setting, argument or site profile that cannot work; the message is one line."""
