"""``deltaprop train --config FILE``: a TOML file's settings as click's ``default_map``, bounded and checked."""

from __future__ import annotations

import click

from ..errors import InputError

#: Bounds of a --config file: its size, and its arrays and tables (tomllib recurses per level).
MAX_CONFIG_BYTES = 1 << 20
MAX_CONFIG_BRACKETS = 1000
#: Config-file spellings of the flags whose parameter name differs.
CONFIG_ALIASES = {"beta1": "beta_1", "beta2": "beta_2", "patience": "n_iter_no_change", "eta": "learning_rate"}
#: Options that are not settings of the run and are never read from a config file.
NOT_IN_CONFIG = ("config", "resume")


def load_config(ctx: click.Context, param: click.Parameter, path: str | None) -> str | None:
    """``--config FILE`` (eager): the TOML file's settings become click's ``default_map``.

    Click then takes each option from the command line if given there, else from the file,
    else its own default. Keys may be spelled with dashes and by the flags' names (``beta1``,
    ``patience``, ``eta``); a table such as ``[solver-option]`` reads as KEY=VALUE options.
    """
    if path is None:
        return None
    import tomllib

    try:
        with open(path, "rb") as f:
            raw = f.read(MAX_CONFIG_BYTES + 1)
    except FileNotFoundError:
        raise InputError(f"config file {path!r} does not exist; check the path") from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise InputError(f"config file {path!r} is larger than {MAX_CONFIG_BYTES} bytes; a config file holds a few "
                         "settings")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"config file {path!r} is not UTF-8 text (byte {exc.start} is {raw[exc.start]:#04x}); "
                         "save it as UTF-8") from None
    # tomllib recurses once per nesting level: bound the nesting before it parses.
    if max(text.count("["), text.count("{")) > MAX_CONFIG_BRACKETS:
        raise InputError(f"config file {path!r} nests or lists more than {MAX_CONFIG_BRACKETS} arrays and tables; "
                         "a config file holds a few flat settings")
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"config file {path!r} is not valid TOML: {exc}") from None
    params = {p.name: p for p in ctx.command.params}
    valid = sorted(n for n in params if n not in NOT_IN_CONFIG and n != "json_")
    defaults = {}
    for key, value in table.items():
        name = CONFIG_ALIASES.get(key.replace("-", "_"), key.replace("-", "_"))
        if name not in valid:
            raise InputError(f"config file {path!r} has an unknown key {key!r}; valid keys: {', '.join(valid)}")
        option = params[name]
        if isinstance(value, dict):
            value = [f"{k}={v}" for k, v in value.items()]
        elif option.multiple and not isinstance(value, list):
            value = [value]
        try:
            defaults[name] = option.type_cast_value(ctx, value)
        except click.BadParameter as exc:
            raise InputError(f"config file {path!r}: {key} = {value!r}: {exc.message}") from None
    ctx.default_map = {**(ctx.default_map or {}), **defaults}
    return path
