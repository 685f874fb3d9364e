"""``authpool.yaml``: pools as code.

The file declares user pools with their clients, groups, triggers and messages, the way the
Amplify CLI keeps ``amplify/backend/auth/*/cli-inputs.json``. ``authpool auth add`` writes
it, people edit it, ``authpool push`` applies it and ``authpool pull`` writes it from a server.

:func:`load` checks every value and names the line of the first problems; the result is a
:class:`Project` whose pools are *normalised*: every setting present, defaults filled in, lists
in a fixed order. :mod:`authpool.cli.cognito_map` builds the same normal form from a server,
so that a plan is a plain comparison of the two.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from copy import deepcopy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ruamel.yaml
import ruamel.yaml.error
import yaml
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import SingleQuotedScalarString

from authpool.cli import project_schema as schema

FILE_NAME = "authpool.yaml"
VERSION = 1
OUTPUT_FORMATS = schema.OUTPUT_FORMATS
HEADER = """\
# authpool.yaml: user pools as code (see docs/auth-wizard.md).
#   authpool push     apply this file to a server (shows the plan first)
#   authpool pull     write this file from a server
#   authpool auth update / auth remove    change it with the wizard
"""


class ProjectError(ValueError):
    """A problem with the project or its file: one line for the user."""


@dataclass
class Project:
    path: Path
    pools: dict[str, dict[str, Any]] = field(default_factory=dict)
    endpoint: str | None = None
    region: str | None = None
    outputs: dict[str, Any] = field(default_factory=dict)
    removed: list[dict[str, Any]] = field(default_factory=list)

    @property
    def directory(self) -> Path:
        return self.path.parent

    def pool(self, name: str | None) -> tuple[str, dict[str, Any]]:
        """The pool ``name`` (the only one when ``name`` is None)."""
        if name is None:
            if len(self.pools) != 1:
                names = ", ".join(self.pools) or "none"
                raise ProjectError(
                    f"{self.path.name} has {len(self.pools)} pools ({names}): name one with --pool"
                )
            name = next(iter(self.pools))
        if name not in self.pools:
            raise ProjectError(f"{self.path.name} has no pool named {name!r}")
        return name, self.pools[name]

    def output_settings(self) -> dict[str, Any]:
        """Which pool and client the client-configuration files describe, where, in which
        formats (the ``outputs`` section with its defaults)."""
        out = dict(self.outputs)
        pool_name = out.get("pool") or next(iter(self.pools), None)
        out["pool"] = pool_name
        clients = self.pools[pool_name]["clients"] if pool_name in self.pools else {}
        out["client"] = out.get("client") or next(iter(clients), None)
        out.setdefault("directory", ".")
        out.setdefault("formats", list(OUTPUT_FORMATS))
        return out


# reading ---------------------------------------------------------------------------------------
def find(path: Path | None) -> Path:
    """The project file: ``path`` or ./authpool.yaml."""
    return path if path is not None else Path.cwd() / FILE_NAME


def load(path: Path) -> Project:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ProjectError(
            f"{path} does not exist: create it with `authpool auth add` or `authpool pull`"
        ) from None
    return parse(text, path)


def parse(text: str, path: Path) -> Project:
    data, lines = _compose(text, path.name)
    check = schema.Checker(path.name, lines)
    top = check.mapping((), data if data is not None else {}, schema.TOP_KEYS)
    version = check.integer(("version",), top.get("version", VERSION), VERSION, VERSION)
    del version
    pools_raw = check.mapping(("pools",), top.get("pools", {}), None)
    pools = {}
    for key, raw in pools_raw.items():
        pools[key] = schema.pool(check, ("pools", key), key, raw)
    project = Project(
        path=path,
        pools=pools,
        endpoint=check.optional_url(("endpoint",), top.get("endpoint")),
        region=check.optional_region(("region",), top.get("region")),
        outputs=schema.outputs(check, top.get("outputs"), pools),
        removed=schema.removed(check, top.get("removed")),
    )
    check.raise_if_any(ProjectError)
    return project


def _compose(text: str, source: str) -> tuple[Any, dict[tuple[Any, ...], int]]:
    """The document's data, and the line (1-based) of every mapping key and list item."""
    try:
        loader = yaml.SafeLoader(text)
        try:
            node = loader.get_single_node()
            lines: dict[tuple[Any, ...], int] = {}
            if node is not None:
                _walk(node, (), lines, source)
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{source}:{mark.line + 1}" if mark is not None else source
        raise ProjectError(f"{where}: not valid YAML: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise ProjectError(f"{source}: not valid YAML: {exc}") from None
    return data, lines


def _walk(
    node: yaml.Node, path: tuple[Any, ...], lines: dict[tuple[Any, ...], int], source: str
) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set[Any] = set()
        for key_node, value_node in node.value:
            key = key_node.value
            if key in seen:
                raise ProjectError(
                    f"{source}:{key_node.start_mark.line + 1}: {key!r} is given twice"
                )
            seen.add(key)
            lines[(*path, key)] = key_node.start_mark.line + 1
            _walk(value_node, (*path, key), lines, source)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*path, index), lines, source)


# writing ---------------------------------------------------------------------------------------
def to_data(project: Project) -> dict[str, Any]:
    data: dict[str, Any] = {"version": VERSION}
    if project.endpoint:
        data["endpoint"] = project.endpoint
    if project.region:
        data["region"] = project.region
    if project.outputs:
        data["outputs"] = dict(project.outputs)
    data["pools"] = {key: _pool_data(pool) for key, pool in project.pools.items()}
    if project.removed:
        data["removed"] = [dict(r) for r in project.removed]
    return data


def _pool_data(pool: dict[str, Any]) -> dict[str, Any]:
    out = deepcopy(pool)
    out["triggers"] = {
        name: t["target"] if t["version"] is None else t for name, t in pool["triggers"].items()
    }
    pruned: dict[str, Any] = _prune(out)
    return pruned


def _prune(value: Any) -> Any:
    """Drop None values (unset settings); keep empty lists and maps, which say "none"."""
    if isinstance(value, dict):
        return {k: _prune(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_prune(v) for v in value]
    return value


class _Dumper(yaml.SafeDumper):
    """Lists of names on one line (``[email, phone_number]``), mappings as blocks."""


def _represent_list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.Node:
    flat = all(not isinstance(item, dict | list) for item in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flat)


_Dumper.add_representer(list, _represent_list)


def dump(project: Project, previous: str | None = None) -> str:
    """The file's text. With ``previous`` (the file as it is now), that text brought up to date:
    its comments, its key order and the spelling of unchanged values stay, changed values are
    replaced, new keys go in after their neighbours and dropped ones go. Without it (or when
    ``previous`` cannot be kept, see :func:`_update_text`), a new file."""
    fresh = HEADER + yaml.dump(
        to_data(project),
        Dumper=_Dumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=100,
    )
    if previous is not None:
        text = _update_text(project, previous, fresh)
        if text is not None:
            return text
    return fresh


def save(project: Project) -> None:
    try:
        previous: str | None = project.path.read_text(encoding="utf-8")
    except FileNotFoundError:
        previous = None
    text = dump(project, previous)
    parse(text, project.path)  # what we write must read back
    tmp = project.path.with_name(project.path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(project.path)


# rewriting a hand-edited file -----------------------------------------------------------------
# PyYAML reads the file (YAML 1.1, with the line of every key); ruamel.yaml's round-trip mode
# keeps what people wrote around the values (comments, order, quotes). ruamel reads and writes
# YAML 1.2, where `yes`, `on` or `OFF` are plain strings: a string that YAML 1.1 would read
# as something else is written quoted, and the text is read back with PyYAML and must mean
# the same project as a new file would, or the file is written anew.
_resolve: Callable[..., str] = yaml.resolver.Resolver().resolve
_STR_TAG = "tag:yaml.org,2002:str"


def _update_text(project: Project, previous: str, fresh: str) -> str | None:
    rt = ruamel.yaml.YAML(typ="rt")
    rt.preserve_quotes = True
    rt.width = 100
    stream = io.StringIO()
    try:
        document = rt.load(previous)
        if not isinstance(document, CommentedMap):
            return None
        _merge_map(document, to_data(project))
        rt.dump(document, stream)
    except ruamel.yaml.error.YAMLError:
        return None
    text = stream.getvalue()
    try:
        again, meant = parse(text, project.path), parse(fresh, project.path)
    except ProjectError:
        return None
    same = all(
        getattr(again, name) == getattr(meant, name)
        for name in ("pools", "endpoint", "region", "outputs", "removed")
    )
    return text if same else None


def _merge_map(old: CommentedMap, new: dict[str, Any]) -> None:
    for key in [k for k in old if k not in new]:
        _drop(old, key)
    position = -1
    for key, value in new.items():
        if key in old:
            old[key] = _merged(old[key], value)
            position = list(old).index(key)
        else:
            position += 1
            old.insert(position, _node(key), _node(value))


def _drop(mapping: CommentedMap, key: Any) -> None:
    """Delete ``key``, keeping the comment lines written between its entry and the next one
    (ruamel.yaml files them with the entry above, so they would go with it)."""
    keys = list(mapping)
    after = keys.index(key) + 1
    token = _trailing_comment(mapping, key)
    del mapping[key]
    if token is None:
        return
    rest = str(token.value).partition("\n")[2]  # the first line ends the deleted entry
    lines = [line.strip() for line in rest.split("\n") if line.strip().startswith("#")]
    if not lines:
        return
    if after < len(keys):
        text = "\n".join(line[1:].removeprefix(" ") for line in lines)
        column = getattr(mapping.lc, "col", None) or 0
        mapping.yaml_set_comment_before_after_key(keys[after], before=text, indent=column)
    elif mapping:  # the last entry went: what followed it now follows the new last entry
        token.value = "\n" + rest
        _append_comment(mapping, keys[after - 2], token)


def _append_comment(mapping: CommentedMap, key: Any, token: Any) -> None:
    value = mapping[key]
    if isinstance(value, CommentedSeq) and len(value) and isinstance(value[-1], CommentedMap):
        value = value[-1]
    if isinstance(value, CommentedMap) and len(value):
        _append_comment(value, list(value)[-1], token)
        return
    existing = _trailing_comment(mapping, key)
    if existing is not None:
        existing.value = str(existing.value).rstrip("\n") + str(token.value)
    elif isinstance(value, CommentedSeq) and len(value) and not value.fa.flow_style():
        value.ca.items[len(value) - 1] = [token, None]
    else:
        mapping.ca.items[key] = [None, None, token, None]


def _trailing_comment(mapping: CommentedMap, key: Any) -> Any:
    """The comment ruamel.yaml keeps after the entry ``key`` (on its last, deepest part)."""
    value = mapping[key]
    if isinstance(value, CommentedMap) and len(value):
        found = _trailing_comment(value, list(value)[-1])
        if found is not None:
            return found
    if isinstance(value, CommentedSeq) and len(value):
        last = len(value) - 1
        inner = value[last]
        if isinstance(inner, CommentedMap) and len(inner):
            found = _trailing_comment(inner, list(inner)[-1])
            if found is not None:
                return found
        entry = value.ca.items.get(last)
        if entry and entry[0] is not None:
            return entry[0]
    entry = mapping.ca.items.get(key)
    return entry[2] if entry and len(entry) > 2 else None


def _merged(old: Any, new: Any) -> Any:
    if isinstance(old, CommentedMap) and isinstance(new, dict):
        _merge_map(old, new)
        return old
    if isinstance(old, CommentedSeq) and isinstance(new, list):
        for index, value in enumerate(new[: len(old)]):
            old[index] = _merged(old[index], value)
        del old[len(new) :]
        old.extend(_node(value) for value in new[len(old) :])
        return old
    if _same_scalar(old, new):
        return old
    return _node(new)


def _same_scalar(old: Any, new: Any) -> bool:
    if isinstance(old, CommentedMap | CommentedSeq) or isinstance(new, dict | list):
        return False
    if isinstance(old, bool) != isinstance(new, bool) or old != new:
        return False
    # A plain `OFF` is a string to ruamel and a boolean to PyYAML: keep only what both read alike.
    return not (isinstance(old, str) and type(old) is str and _ambiguous(old))


def _ambiguous(text: str) -> bool:
    """Whether YAML 1.1 reads ``text``, written plain, as something other than a string."""
    return _resolve(yaml.ScalarNode, text, (True, False)) != _STR_TAG


def _node(value: Any) -> Any:
    """``value`` as ruamel.yaml writes it in this file's style: mappings as blocks, lists of
    names on one line."""
    if isinstance(value, dict):
        mapping = CommentedMap()
        for key, item in value.items():
            mapping[_node(key)] = _node(item)
        return mapping
    if isinstance(value, list):
        seq = CommentedSeq(_node(item) for item in value)
        if all(not isinstance(item, dict | list) for item in value):
            seq.fa.set_flow_style()
        else:
            seq.fa.set_block_style()
        return seq
    if isinstance(value, str) and _ambiguous(value):
        return SingleQuotedScalarString(value)
    return value


# names -----------------------------------------------------------------------------------------
_RESOURCE = re.compile(r"[A-Za-z0-9_-]{1,128}")


def check_resource_name(name: str) -> str:
    if not _RESOURCE.fullmatch(name):
        raise ProjectError(f"{name!r} is not a resource name: 1 to 128 letters, digits, '-' or '_'")
    return name
