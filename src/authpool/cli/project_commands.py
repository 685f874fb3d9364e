"""``authpool auth add|update|remove``: the Amplify CLI's ``amplify add auth`` (and update,
remove) against authpool, writing the pools to ``authpool.yaml``; :mod:`authpool.cli.push`
has ``push``, ``pull`` and ``config export``."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape

from authpool.cli import project, push, wizard, wizard_answers, wizard_questions
from authpool.cli.project import Project, ProjectError
from authpool.cli.project_options import (
    Advanced,
    Alias,
    AllowUnauth,
    Capability,
    CaseSensitive,
    Config,
    ConfigureTriggers,
    Confirmed,
    EmailMessage,
    EmailRegistration,
    EmailSubject,
    File,
    Group,
    GroupsWanted,
    IdentityPoolName,
    Mfa,
    MfaType,
    Names,
    OAuth,
    PasswordMin,
    PasswordOverride,
    PasswordRequire,
    PoolName,
    Read,
    RefreshDays,
    Required,
    ResourceName,
    Services,
    SetAttributes,
    SignIn,
    SmsAuthMessage,
    SmsMessage,
    Trigger,
    UpdateFlow,
    UserPoolName,
    Write,
    Yes,
)
from authpool.domain import pool_migration

auth_app = typer.Typer(
    no_args_is_help=True,
    help="Add, update or remove a user pool in authpool.yaml (as `amplify add auth` does).",
)
out = Console()


def register(app: typer.Typer) -> None:
    app.add_typer(auth_app, name="auth")
    app.add_typer(push.config_app, name="config")
    app.command("push")(push.push)
    app.command("pull")(push.pull)


def _prompter(yes: bool) -> wizard.Prompter | None:
    if yes:
        return None
    if not wizard.can_prompt():
        raise ProjectError("the wizard needs a terminal: answer with flags and --yes (see --help)")
    return wizard.QuestionaryPrompter()


def _default_resource(directory: Path) -> str:
    """The project directory's name, as Amplify names the auth resource after the project."""
    return re.sub(r"[^A-Za-z0-9]", "", directory.name)[:100] or "authpool"


def _check_aliases(aliases: Names, answers: dict[str, Any]) -> None:
    for alias in aliases or []:
        if alias not in pool_migration.ALIAS_ATTRIBUTES:
            raise ProjectError(
                f"--alias: {alias!r} is not email, phone_number or preferred_username"
            )
    if aliases and answers.get("sign_in", "username") != "username":
        raise ProjectError("--alias goes with --sign-in username")


# auth add / update / remove --------------------------------------------------------------------
@auth_app.command("add")
def auth_add(
    file: File = None,
    yes: Yes = False,
    config: Config = None,
    services: Services = None,
    resource_name: ResourceName = None,
    identity_pool_name: IdentityPoolName = None,
    allow_unauthenticated: AllowUnauth = None,
    pool_name: UserPoolName = None,
    advanced: Advanced = None,
    sign_in: SignIn = None,
    alias: Alias = None,
    case_sensitive: CaseSensitive = None,
    groups_wanted: GroupsWanted = None,
    group: Group = None,
    mfa: Mfa = None,
    mfa_type: MfaType = None,
    sms_auth_message: SmsAuthMessage = None,
    email_registration: EmailRegistration = None,
    email_subject: EmailSubject = None,
    email_message: EmailMessage = None,
    sms_message: SmsMessage = None,
    password_override: PasswordOverride = None,
    password_min_length: PasswordMin = None,
    password_require: PasswordRequire = None,
    required: Required = None,
    refresh_token_days: RefreshDays = None,
    set_attributes: SetAttributes = None,
    read: Read = None,
    write: Write = None,
    capability: Capability = None,
    oauth: OAuth = None,
    configure_triggers: ConfigureTriggers = None,
    trigger: Trigger = None,
) -> None:
    """Add a user pool to authpool.yaml, question by question (amplify add auth)."""
    flags = dict(locals())
    path = project.find(flags.pop("file"))
    proj = project.load(path) if path.exists() else Project(path)
    wizard_run("add", proj, None, flags)


@auth_app.command("update")
def auth_update(
    file: File = None,
    pool: PoolName = None,
    yes: Yes = False,
    update_flow: UpdateFlow = None,
    services: Services = None,
    allow_unauthenticated: AllowUnauth = None,
    sign_in: SignIn = None,
    alias: Alias = None,
    case_sensitive: CaseSensitive = None,
    groups_wanted: GroupsWanted = None,
    group: Group = None,
    mfa: Mfa = None,
    mfa_type: MfaType = None,
    sms_auth_message: SmsAuthMessage = None,
    email_registration: EmailRegistration = None,
    email_subject: EmailSubject = None,
    email_message: EmailMessage = None,
    sms_message: SmsMessage = None,
    password_override: PasswordOverride = None,
    password_min_length: PasswordMin = None,
    password_require: PasswordRequire = None,
    required: Required = None,
    refresh_token_days: RefreshDays = None,
    set_attributes: SetAttributes = None,
    read: Read = None,
    write: Write = None,
    capability: Capability = None,
    oauth: OAuth = None,
    configure_triggers: ConfigureTriggers = None,
    trigger: Trigger = None,
) -> None:
    """Change a pool of authpool.yaml, with its current settings as the defaults
    (amplify update auth). Sign-in and required attributes may change too: push checks the
    users first."""
    flags = dict(locals())
    path = project.find(flags.pop("file"))
    wizard_run("update", project.load(path), flags.pop("pool"), flags)


_FLAG_KEYS = {
    "pool_name": "user_pool_name",
    "group": "groups",
    "mfa_type": "mfa_types",
    "password_require": "password_characters",
    "required": "required_attributes",
    "read": "read_attributes",
    "write": "write_attributes",
    "capability": "capabilities",
    "trigger": "trigger_targets",
    "update_flow": "update_flow",
}


def wizard_run(mode: str, proj: Project, pool_key: str | None, flags: dict[str, Any]) -> None:
    yes = flags.pop("yes")
    aliases, case = flags.pop("alias"), flags.pop("case_sensitive")
    given = wizard_answers.given_answers(
        {_FLAG_KEYS.get(k, k): v for k, v in flags.items()}, adding=mode == "add"
    )
    questions = wizard_questions.questions()
    base = None
    if mode == "add":
        defaults = {"resource_name": _default_resource(proj.directory)}
    else:
        pool_key, base = proj.pool(pool_key)
        defaults = wizard_answers.from_spec(base)
    answers = wizard.run(
        questions, given=given, defaults=defaults, prompter=_prompter(yes), seed={"mode": mode}
    )
    _check_aliases(aliases, answers)
    if mode == "add":
        answers = wizard_answers.complete({**defaults, **answers}, questions)
        pool_key = project.check_resource_name(str(answers["resource_name"]))
        if pool_key in proj.pools:
            raise ProjectError(
                f"{proj.path.name} already has a pool named {pool_key}: "
                "change it with `authpool auth update`"
            )
    assert pool_key is not None
    spec = wizard_answers.to_spec(
        {**answers, "aliases": aliases, "case_sensitive": case}, key=pool_key, base=base
    )
    proj.pools[pool_key] = spec
    project.save(proj)
    verb = "Added" if mode == "add" else "Updated"
    out.print(f"{verb} pool [bold]{escape(pool_key)}[/bold] in {escape(str(proj.path))}.")
    out.print(
        "Next: `authpool push` applies it to the server and writes the files your app reads.",
        highlight=False,
    )


@auth_app.command("remove")
def auth_remove(file: File = None, pool: PoolName = None, yes: Confirmed = False) -> None:
    """Remove a pool from authpool.yaml; the next push deletes it from the server."""
    proj = project.load(project.find(file))
    key, spec = proj.pool(pool)
    if not yes:
        if not wizard.can_prompt():
            raise ProjectError("removing a pool needs confirmation: run with --yes")
        if not typer.confirm(
            f"Remove pool {key}? The next `authpool push` deletes it, and "
            "its users, from the server."
        ):
            raise ProjectError("nothing removed")
    del proj.pools[key]
    proj.removed.append({"name": spec["name"], "id": spec["id"]})
    if proj.outputs.get("pool") == key:
        proj.outputs.pop("pool", None)
        proj.outputs.pop("client", None)
    project.save(proj)
    out.print(
        f"Removed pool [bold]{escape(key)}[/bold]; `authpool push` deletes it from the server."
    )
