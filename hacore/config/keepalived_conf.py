"""keepalived.conf statements → KeepalivedConfig: global_defs, vrrp_script, vrrp_instance,
vrrp_sync_group, then the cross-checks keepalived makes once everything is read (tracked scripts
exist, sync-group members exist, VRIDs are unique per interface and family).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from hacore.config.errors import Diagnostics
from hacore.config.keepalived_global import GLOBAL_DEFS_IGNORED, GLOBAL_DEFS_KEYWORDS
from hacore.config.keepalived_instance import (
    INSTANCE_KEYWORDS,
    INSTANCE_UNSUPPORTED,
    NOTIFY_KEYWORDS,
    finish_instance,
    notify_command,
    parse_tracked,
)
from hacore.config.keepalived_lexer import Statement
from hacore.config.keepalived_model import (
    GlobalDefs,
    KeepalivedConfig,
    Notify,
    Tracked,
    VrrpInstance,
    VrrpScript,
    VrrpSyncGroup,
)
from hacore.config.keepalived_values import flag, integer, number, one
from hacore.config.values import best_match

TOP_LEVEL_UNSUPPORTED = frozenset(
        "virtual_server virtual_server_group static_ipaddress static_routes static_rules "
        "vrrp_track_file vrrp_track_process bfd_instance linkbeat_interfaces".split()
)
TOP_LEVEL = ("global_defs", "vrrp_script", "vrrp_instance", "vrrp_sync_group", "include")


@dataclass(slots=True)
class KeepalivedParser:
    diagnostics: Diagnostics
    global_defs: GlobalDefs = GlobalDefs()
    scripts: list[VrrpScript] = field(default_factory=list)
    instance_blocks: list[Statement] = field(default_factory=list)
    groups: list[VrrpSyncGroup] = field(default_factory=list)

    def feed(self, statements: list[Statement]) -> None:
        for statement in statements:
            try:
                self._top_level(statement)
            except ValueError as error:
                self.diagnostics.alert(statement.location, str(error))

    def _top_level(self, s: Statement) -> None:
        keyword = s.words[0]
        if keyword == "global_defs":
            self.global_defs = _global_defs(self.global_defs, _block(s), self.diagnostics)
        elif keyword == "vrrp_script":
            self.scripts.append(_script(s, self.diagnostics))
        elif keyword == "vrrp_instance":
            name = _name(s)
            _block(s)
            for other in self.instance_blocks:
                if other.words[1] == name:
                    raise ValueError(f"vrrp instance {name} already defined at {other.location}")
            self.instance_blocks.append(s)  # built in result(): needs all of global_defs first
        elif keyword == "vrrp_sync_group":
            self.groups.append(_sync_group(s, self.diagnostics))
        elif keyword in TOP_LEVEL_UNSUPPORTED:
            raise ValueError(f"'{keyword}' is a keepalived feature that hacore does not support")
        else:
            raise ValueError(_unknown(keyword, "top level", TOP_LEVEL))

    def result(self) -> KeepalivedConfig:
        instances = []
        for block in self.instance_blocks:
            try:
                instances.append(self._instance(block))
            except ValueError as error:
                self.diagnostics.alert(block.location, f"vrrp_instance {block.words[1]}: {error}")
        config = KeepalivedConfig(self.global_defs, tuple(self.scripts), tuple(instances),
                                  tuple(self.groups))
        cross_check(config, self.diagnostics)
        return config

    def _instance(self, s: Statement) -> VrrpInstance:
        fields: dict[str, Any] = {"_name": s.words[1]}
        for item in _block(s):
            handler = INSTANCE_KEYWORDS.get(item.words[0])
            try:
                if handler is None:
                    _refuse(item.words[0], "vrrp_instance", INSTANCE_UNSUPPORTED, INSTANCE_KEYWORDS)
                else:
                    handler(fields, item, self.diagnostics)
            except ValueError as error:
                self.diagnostics.alert(item.location, f"vrrp_instance {s.words[1]}: {error}")
        finish_instance(fields, s.location, self.global_defs, self.diagnostics)
        return VrrpInstance(location=s.location, name=s.words[1], **fields)


def _block(s: Statement) -> list[Statement]:
    if s.block is None:
        raise ValueError(f"'{s.words[0]}' expects a {{ }} block")
    return s.block


def _name(s: Statement) -> str:
    if len(s.words) != 2:
        raise ValueError(f"'{s.words[0]}' expects one name before its {{ }} block")
    return s.words[1]


def _unknown(keyword: str, where: str, candidates: Any) -> str:
    suggestion = best_match(keyword, tuple(candidates))
    hint = f"; did you mean '{suggestion}' maybe ?" if suggestion else ""
    return f"unknown keyword '{keyword}' in {where}{hint}"


def _refuse(keyword: str, where: str, unsupported: frozenset[str], known: Any) -> None:
    if keyword in unsupported:
        raise ValueError(f"'{keyword}' is a keepalived keyword that hacore does not support")
    raise ValueError(_unknown(keyword, f"'{where}' block", (*known, *unsupported)))


def _global_defs(defaults: GlobalDefs, block: list[Statement], out: Diagnostics) -> GlobalDefs:
    values: dict[str, Any] = {}
    garp: dict[str, Any] = {}
    for item in block:
        keyword, args = item.words[0], item.words[1:]
        try:
            if keyword in GLOBAL_DEFS_KEYWORDS:
                GLOBAL_DEFS_KEYWORDS[keyword](values, garp, args)
            elif keyword in GLOBAL_DEFS_IGNORED:
                out.warn(item.location, f"'{keyword}' is accepted and ignored: "
                                        f"{GLOBAL_DEFS_IGNORED[keyword]}")
            else:
                raise ValueError(_unknown(keyword, "'global_defs' block",
                                          (*GLOBAL_DEFS_KEYWORDS, *GLOBAL_DEFS_IGNORED)))
        except ValueError as error:
            out.alert(item.location, str(error))
    if garp:
        values["garp"] = replace(defaults.garp, **garp)
    return replace(defaults, **values)


def _command(args: list[str]) -> str:
    """keepalived runs the first word: quote the command to give it arguments."""
    if not args:
        raise ValueError("'script' expects a command")
    return args[0]


def _script_weight(args: list[str]) -> tuple[int, bool]:
    if not args or args[1:] not in ([], ["reverse"], ["noreverse"]):
        raise ValueError("'weight' expects <-253..253> [reverse|noreverse]")
    return integer(args[0], -253, 253, "weight"), args[1:] == ["reverse"]


# keyword -> (VrrpScript field, converter of the keyword's arguments)
SCRIPT_KEYWORDS: dict[str, tuple[str, Callable[[list[str]], Any]]] = {
    "script": ("command", _command),
    "interval": ("interval", lambda a: number(one("interval", a), 0.001, 4294, "interval")),
    "timeout": ("timeout", lambda a: number(one("timeout", a), 0.001, 4294, "timeout")),
    "rise": ("rise", lambda a: integer(one("rise", a), 1, 2**31 - 1, "rise")),
    "fall": ("fall", lambda a: integer(one("fall", a), 1, 2**31 - 1, "fall")),
    "user": ("user", lambda a: a[0] if a else one("user", a)),
    "init_fail": ("init_fail", lambda a: flag(a, "init_fail")),
    "weight": ("weight", _script_weight),
}


def _script(s: Statement, out: Diagnostics) -> VrrpScript:
    name = _name(s)
    fields: dict[str, Any] = {}
    for item in _block(s):
        try:
            entry = SCRIPT_KEYWORDS.get(item.words[0])
            if entry is None:
                raise ValueError(_unknown(item.words[0], "'vrrp_script' block", SCRIPT_KEYWORDS))
            field_name, convert = entry
            fields[field_name] = convert(item.words[1:])
        except ValueError as error:
            out.alert(item.location, f"vrrp_script {name}: {error}")
    if "command" not in fields:
        raise ValueError(f"vrrp_script {name}: no 'script' command given")
    fields["weight"], fields["weight_reverse"] = fields.pop("weight", (0, False))
    return VrrpScript(location=s.location, name=name, **fields)


def _sync_group(s: Statement, out: Diagnostics) -> VrrpSyncGroup:
    name = _name(s)
    members: tuple[str, ...] = ()
    notify: dict[str, str] = {}
    tracked: list[Tracked] = []
    tracking_weight = False
    for item in _block(s):
        keyword = item.words[0]
        try:
            if keyword in ("sync_group_tracking_weight", "global_tracking"):
                if keyword == "global_tracking":
                    out.warn(item.location, f"({name}) global_tracking is deprecated. Use "
                             "track_interface/script/file on the sync group")
                tracking_weight = True
            elif keyword == "group":
                members = tuple(w for entry in _block(item) for w in entry.words)
            elif keyword in NOTIFY_KEYWORDS:
                notify[NOTIFY_KEYWORDS[keyword]] = notify_command(item, out)
            elif keyword == "track_script":
                tracked.extend(parse_tracked(entry) for entry in _block(item))
            else:
                raise ValueError(_unknown(keyword, "'vrrp_sync_group' block",
                                          ("group", "track_script",
                                           "sync_group_tracking_weight", *NOTIFY_KEYWORDS)))
        except ValueError as error:
            out.alert(item.location, f"vrrp_sync_group {name}: {error}")
    return VrrpSyncGroup(s.location, name, members, Notify(**notify), tuple(tracked),
                         tracking_weight)


def cross_check(config: KeepalivedConfig, out: Diagnostics) -> None:
    """Names used must be declared; a VRID is unique per interface and address family."""
    scripts = {script.name for script in config.scripts}
    instances = {instance.name for instance in config.instances}
    seen: dict[tuple[str, int, int], VrrpInstance] = {}
    for instance in config.instances:
        for tracked in instance.track_scripts:
            if tracked.name not in scripts:
                out.alert(tracked.location, f"vrrp_instance {instance.name}: track_script "
                                            f"'{tracked.name}' is not a declared vrrp_script")
        family = 6 if any(v.interface.version == 6 for v in instance.virtual_addresses) else 4
        key = (instance.interface, instance.virtual_router_id, family)
        if key in seen and not instance.unicast_peers:
            out.alert(instance.location, f"vrrp_instance {instance.name}: virtual_router_id "
                      f"{instance.virtual_router_id} is already used on {instance.interface} by "
                      f"vrrp_instance {seen[key].name} ({seen[key].location})")
        seen.setdefault(key, instance)
    for group in config.sync_groups:
        for member in group.members:
            if member not in instances:
                out.alert(group.location, f"vrrp_sync_group {group.name}: member '{member}' is "
                                          "not a declared vrrp_instance")

