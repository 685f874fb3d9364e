"""From the wizard's answers to a pool of ``authpool.yaml`` and back (``auth update`` starts
from the pool's current settings), and from command-line flags to answers."""

from __future__ import annotations

from collections.abc import Mapping
from copy import deepcopy
from typing import Any

from authpool.cli import project_schema as schema
from authpool.cli import wizard_questions as wq
from authpool.cli.project import ProjectError
from authpool.cli.wizard import Answers

# The policy `amplify add auth` sets unless asked otherwise: 8 characters, no classes.
AMPLIFY_PASSWORD_POLICY = {
    "min_length": 8,
    "require_lowercase": False,
    "require_uppercase": False,
    "require_numbers": False,
    "require_symbols": False,
    "temporary_password_validity_days": 7,
}
WALKTHROUGH_KEYS = {
    "services",
    "resource_name",
    "identity_pool_name",
    "allow_unauthenticated",
    "user_pool_name",
    "groups_wanted",
    "groups",
    "mfa",
    "mfa_types",
    "sms_auth_message",
    "email_registration",
    "email_subject",
    "email_message",
    "sms_message",
    "password_override",
    "password_min_length",
    "password_characters",
    "refresh_token_days",
    "set_attributes",
    "read_attributes",
    "write_attributes",
    "oauth",
    "configure_triggers",
    "triggers",
    "trigger_targets",
}
ADVANCED_KEYS = {"required_attributes", "capabilities"}
SIGN_IN_FLAGS = {
    "username": "username",
    "email": "email",
    "phone": "phone_number",
    "phone_number": "phone_number",
    "email-phone": "email,phone_number",
    "email,phone_number": "email,phone_number",
}


def empty_pool(key: str) -> dict[str, Any]:
    """A pool with every default (what a file saying only ``key: {}`` means)."""
    return schema.pool(schema.Checker("wizard", {}), ("pools", key), key, {})


def client_name(key: str) -> str:
    return f"{key}_app_client"


# answers -> pool -------------------------------------------------------------------------------
def _password(answers: Answers) -> dict[str, Any]:
    policy = dict(AMPLIFY_PASSWORD_POLICY)
    if answers.get("password_override"):
        policy["min_length"] = int(answers.get("password_min_length") or 8)
        for name in answers.get("password_characters") or []:
            policy[f"require_{name}"] = True
    return policy


def _verification(spec: dict[str, Any], answers: Answers) -> None:
    medium = answers["email_registration"]
    verification = spec["verification"]
    verification["auto_verify"] = [medium]
    for key in ("email_subject", "email_message", "sms_message"):
        if key in answers:
            verification[key] = answers[key]
    spec["account_recovery"] = ["verified_email" if medium == "email" else "verified_phone_number"]


def _mfa(spec: dict[str, Any], answers: Answers) -> None:
    mode = answers["mfa"]
    methods = list(answers.get("mfa_types") or []) if mode != "OFF" else []
    mfa = spec["mfa"]
    mfa["mode"], mfa["methods"] = mode, [m for m in schema.MFA_METHODS if m in methods]
    if "SMS" in methods:
        mfa["sms_message"] = answers.get("sms_auth_message") or mfa["sms_message"]
    schema.mfa_defaults(mfa)


def _groups(spec: dict[str, Any], answers: Answers) -> None:
    names = answers.get("groups") or [] if answers["groups_wanted"] == "yes" else []
    old = spec["groups"]
    spec["groups"] = {
        name: {
            "description": (old.get(name) or {}).get("description"),
            "precedence": index + 1,
            "role_arn": (old.get(name) or {}).get("role_arn"),
        }
        for index, name in enumerate(names)
    }


def _triggers(spec: dict[str, Any], answers: Answers) -> None:
    kept = {k: v for k, v in spec["triggers"].items() if k not in wq.TRIGGER_TITLES}
    for capability in answers.get("capabilities") or []:
        for name, target in wq.CAPABILITIES[capability][1].items():
            kept[name] = {"target": target, "version": None}
    for name, target in (answers.get("trigger_targets") or {}).items():
        kept[name] = {"target": target, "version": None}
    spec["triggers"] = kept


def _client(spec: dict[str, Any], key: str, answers: Answers) -> None:
    clients = spec["clients"]
    if not clients:
        clients[client_name(key)] = deepcopy(empty_client())
    client = next(iter(clients.values()))
    if "refresh_token_days" in answers:
        client["refresh_token_days"] = int(answers["refresh_token_days"])
    if "set_attributes" in answers:
        wanted = bool(answers["set_attributes"])
        client["read_attributes"] = (
            sorted(answers.get("read_attributes") or [], key=schema.attr_order) if wanted else []
        )
        client["write_attributes"] = (
            sorted(answers.get("write_attributes") or [], key=schema.attr_order) if wanted else []
        )


def empty_client() -> dict[str, Any]:
    pool = schema.pool(schema.Checker("wizard", {}), ("pools", "p"), "p", {"clients": {"c": {}}})
    return dict(pool["clients"]["c"])


def _sign_in(spec: dict[str, Any], answers: Answers) -> None:
    sign_in = spec["sign_in"]
    if "sign_in" in answers:
        sign_in["username_attributes"] = list(wq.SIGN_IN[answers["sign_in"]][1])
        if sign_in["username_attributes"]:
            sign_in["alias_attributes"] = []
    if answers.get("aliases") is not None:
        sign_in["alias_attributes"] = list(answers["aliases"])
    if answers.get("case_sensitive") is not None:
        sign_in["case_sensitive"] = bool(answers["case_sensitive"])


def to_spec(answers: Answers, *, key: str, base: dict[str, Any] | None) -> dict[str, Any]:
    """The pool the answers describe. Without ``base`` (auth add) unanswered settings take
    the Amplify CLI's defaults; with it (auth update) they stay as they are."""
    spec = deepcopy(base) if base is not None else empty_pool(key)
    if base is None:
        spec["name"] = answers.get("user_pool_name") or f"{key}_userpool"
        spec["password_policy"] = _password(answers)
    elif "password_override" in answers:
        spec["password_policy"] = {
            **_password(answers),
            "temporary_password_validity_days": spec["password_policy"][
                "temporary_password_validity_days"
            ],
        }
    _sign_in(spec, answers)
    if "email_registration" in answers:
        _verification(spec, answers)
    if "mfa" in answers:
        _mfa(spec, answers)
    if "groups_wanted" in answers:
        _groups(spec, answers)
    if "required_attributes" in answers:
        spec["required_attributes"] = sorted(answers["required_attributes"], key=schema.attr_order)
    if "capabilities" in answers or "trigger_targets" in answers:
        _triggers(spec, answers)
    if "services" in answers:
        identity = answers["services"] != "userPoolOnly"
        old = spec.get("identity_pool") or {}
        spec["identity_pool"] = (
            {
                "name": answers.get("identity_pool_name")
                or old.get("name")
                or f"{key}_identitypool",
                "allow_unauthenticated": answers.get("allow_unauthenticated") == "yes",
            }
            if identity
            else None
        )
    _client(spec, key, answers)
    return spec


def complete(answers: Answers, questions: list[Any]) -> Answers:
    """``auth add``: every question the answers skipped, at its default (what Amplify's
    default configuration does)."""
    out = dict(answers)
    for q in questions:
        if q.key not in out:
            out[q.key] = q.default(out)
    return out


# pool -> answers (the defaults of auth update) ------------------------------------------------
def _capabilities(triggers: Mapping[str, Any]) -> list[str]:
    return [
        name
        for name, (_title, wanted) in wq.CAPABILITIES.items()
        if all((triggers.get(t) or {}).get("target") == target for t, target in wanted.items())
    ]


def from_spec(spec: Mapping[str, Any]) -> Answers:
    verification, mfa = spec["verification"], spec["mfa"]
    policy = spec["password_policy"]
    client = next(iter(spec["clients"].values()), None) or empty_client()
    covered = {t for c in _capabilities(spec["triggers"]) for t in wq.CAPABILITIES[c][1]}
    others = {
        k: v["target"]
        for k, v in spec["triggers"].items()
        if k in wq.TRIGGER_TITLES and k not in covered
    }
    groups = sorted(
        spec["groups"],
        key=lambda g: (
            spec["groups"][g]["precedence"] is None,
            spec["groups"][g]["precedence"] or 0,
            g,
        ),
    )
    identity = spec.get("identity_pool")
    return {
        "update_flow": "manual",
        "services": "identityPoolAndUserPool" if identity else "userPoolOnly",
        "allow_unauthenticated": "yes" if identity and identity["allow_unauthenticated"] else "no",
        "sign_in": ",".join(spec["sign_in"]["username_attributes"]) or "username",
        "groups_wanted": "yes" if groups else "no",
        "groups": groups,
        "mfa": mfa["mode"],
        "mfa_types": mfa["methods"] or ["SMS"],
        "sms_auth_message": mfa["sms_message"] or wq.AMPLIFY_MESSAGES["sms_auth_message"],
        "email_registration": "phone_number"
        if verification["auto_verify"] == ["phone_number"]
        else "email",
        **{
            k: verification[k] or wq.AMPLIFY_MESSAGES[k]
            for k in ("email_subject", "email_message", "sms_message")
        },
        "password_override": {**policy, "temporary_password_validity_days": 7}
        != AMPLIFY_PASSWORD_POLICY,
        "password_min_length": policy["min_length"],
        "password_characters": [c for c in wq.PASSWORD_CHARACTERS if policy[f"require_{c}"]],
        "required_attributes": list(spec["required_attributes"]),
        "refresh_token_days": client["refresh_token_days"],
        "set_attributes": bool(client["read_attributes"] or client["write_attributes"]),
        "read_attributes": client["read_attributes"] or list(wq.READ_ATTRIBUTES),
        "write_attributes": client["write_attributes"] or list(spec["required_attributes"]),
        "capabilities": _capabilities(spec["triggers"]),
        "configure_triggers": bool(others),
        "triggers": list(others),
        "trigger_targets": others,
    }


# flags -> answers ------------------------------------------------------------------------------
def _trigger_flags(values: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for value in values:
        name, sep, target = value.partition("=")
        if not sep or name not in wq.TRIGGER_TITLES:
            raise ProjectError(
                f"--trigger {value!r}: expected NAME=TARGET with NAME one of "
                f"{', '.join(wq.TRIGGER_TITLES)}"
            )
        if target in wq.CAPABILITIES:
            examples = wq.CAPABILITIES[target][1]
            if name not in examples:
                raise ProjectError(f"--trigger {value!r}: the {target} example has no {name}")
            target = examples[name]
        out[name] = target
    return out


def given_answers(flags: Mapping[str, Any], *, adding: bool) -> Answers:
    """Answers from the flags that were given (None and empty lists mean "not given")."""
    given = {k: v for k, v in flags.items() if v is not None and v != []}
    if "sign_in" in given:
        if given["sign_in"] not in SIGN_IN_FLAGS:
            raise ProjectError(
                f"--sign-in: {given['sign_in']!r} is not one of username, email, phone, email-phone"
            )
        given["sign_in"] = SIGN_IN_FLAGS[given["sign_in"]]
    for key in ("allow_unauthenticated", "oauth", "groups_wanted", "advanced"):
        if key in given:
            given[key] = "yes" if given[key] else "no"
    if "email_registration" in given:
        given["email_registration"] = "email" if given["email_registration"] else "phone_number"
    if "groups" in given:
        given.setdefault("groups_wanted", "yes")
    if "password_min_length" in given or "password_characters" in given:
        given.setdefault("password_override", True)
    if "read_attributes" in given or "write_attributes" in given:
        given.setdefault("set_attributes", True)
    if "trigger_targets" in given:
        given["trigger_targets"] = _trigger_flags(given["trigger_targets"])
        given.setdefault("configure_triggers", True)
        given["triggers"] = list(given["trigger_targets"])
    if given.get("oauth") == "yes":
        raise ProjectError("--oauth: OAuth (the hosted UI) comes in a later release")
    if adding and "config" not in given:
        if WALKTHROUGH_KEYS & given.keys():
            given["config"] = "manual"
        elif ADVANCED_KEYS & given.keys():
            given.setdefault("advanced", "yes")
    return given
