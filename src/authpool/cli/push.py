"""``authpool push`` (plan, confirm, apply, write the client files), ``authpool pull`` and
``authpool config export``: ``amplify push`` and ``amplify pull`` against an authpool server."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from authpool.cli import export, plan, project, wizard
from authpool.cli.project import Project, ProjectError
from authpool.cli.project_options import (
    Confirmed,
    DatabaseUrl,
    DataDir,
    Endpoint,
    File,
    Names,
    PoolName,
    Profile,
    Region,
)
from authpool.cli.remote import Backend, Target, connect
from authpool.domain import pool_migration

ACTIONS = {
    "delete": "delete (removed from the file)",
    "gone": "already gone from the server (removed from the file)",
}
config_app = typer.Typer(no_args_is_help=True, help="Configuration files for client apps.")
out = Console()


# push ------------------------------------------------------------------------------------------
def _remedies(values: Names, force: bool) -> dict[str, str]:
    remedies: dict[str, str] = {}
    for value in values or []:
        kind, sep, action = value.partition("=")
        if not sep:
            raise ProjectError(f"--remedy {value!r}: expected KIND=ACTION")
        remedies[kind] = action
    pool_migration.parse_remedies(remedies)
    if remedies and not force:
        raise ProjectError("--remedy changes users: it needs --force")
    return remedies


def _show(plans: list[plan.PoolPlan]) -> None:
    for p in plans:
        where = f" ({p.pool_id})" if p.pool_id else ""
        action = ACTIONS.get(p.action, p.action)
        out.print(f"[bold]Pool {escape(p.key)}{escape(where)}[/bold]: {action}")
        for d in p.differences:
            mark = "+" if d.before is None else "-" if d.after is None else "~"
            fixed = (
                " [red](checked against the users)[/red]"
                if d.path.startswith(plan.MIGRATION_PATHS)
                else ""
            )
            text = d.path if mark != "~" else f"{d.path}: {d.before!r} -> {d.after!r}"
            out.print(f"  {mark} {escape(text)}{fixed}", soft_wrap=True)
        if p.migration:
            out.print(f"  users checked: {p.migration['UsersChecked']}")
            for problem in p.migration["Problems"]:
                out.print(f"  [red]![/red] {escape(_problem_text(problem))}", soft_wrap=True)
        for text in p.unsupported + p.losses:
            out.print(f"  [red]![/red] {escape(text)}", soft_wrap=True)


def _problem_text(problem: dict[str, Any]) -> str:
    names = problem["Usernames"]
    shown = ", ".join(names[:10]) + (f" and {len(names) - 10} more" if len(names) > 10 else "")
    remedy = f"; remedy: {problem['Remedy']}" if problem["Remedy"] else ""
    return f"{problem['Kind']}: {len(names)} user(s) ({shown}) {problem['Detail']}{remedy}"


def _check(plans: list[plan.PoolPlan], force: bool) -> None:
    for p in plans:
        if p.unsupported:
            raise ProjectError(f"pool {p.key}: {p.unsupported[0]}")
        problems = (p.migration or {}).get("Problems") or []
        open_kinds = sorted({x["Kind"] for x in problems if not x["Remedy"]})
        if open_kinds:
            options = "; ".join(f"{k}={'|'.join(pool_migration.REMEDIES[k])}" for k in open_kinds)
            raise ProjectError(
                f"pool {p.key}: the change would break {len(problems)} group(s) of existing "
                f"users (listed above): fix those users, or choose what happens with --force "
                f"--remedy KIND=ACTION ({options})"
            )
        if p.losses and not force:
            raise ProjectError(f"pool {p.key}: {p.losses[0]}: run with --force to accept")


def push(
    file: File = None,
    endpoint: Endpoint = None,
    region: Region = None,
    profile: Profile = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    yes: Confirmed = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the plan only.")] = False,
    force: Annotated[
        bool,
        typer.Option("--force", help="Accept changes that lose or change data (with --remedy)."),
    ] = False,
    remedy: Annotated[
        Names, typer.Option("--remedy", help="KIND=ACTION for users a change breaks (repeat).")
    ] = None,
    no_outputs: Annotated[
        bool, typer.Option("--no-outputs", help="Do not write the client configuration files.")
    ] = False,
) -> None:
    """Apply authpool.yaml to the server: show the plan, ask, apply, write the configuration
    files client apps read (amplify push)."""
    proj = project.load(project.find(file))
    remedies = _remedies(remedy, force)
    backend = connect(
        Target(endpoint, region, profile, data_dir, database_url),
        file_endpoint=proj.endpoint,
        file_region=proj.region,
    )
    try:
        plans = plan.make_plans(backend, proj, remedies)
        _show(plans)
        _check(plans, force)
        changing = [p for p in plans if p.action not in ("unchanged",)]
        if not changing:
            out.print("No changes.")
        elif dry_run:
            return
        else:
            _confirm(yes, "Apply these changes?")
            _apply(backend, proj, plans, remedies)
        if not no_outputs and not dry_run:
            _write_outputs(backend, proj)
    finally:
        backend.close()


def _confirm(yes: bool, question: str) -> None:
    if yes:
        return
    if not wizard.can_prompt():
        raise ProjectError("push changes the server: confirm with --yes")
    if not typer.confirm(question):
        raise ProjectError("nothing changed")


def _apply(
    backend: Backend, proj: Project, plans: list[plan.PoolPlan], remedies: dict[str, str]
) -> None:
    """Carry out the plans in order. When one fails part-way, what was done stays done (the
    ids of what was created are written to the file) and the error says that pushing again
    finishes the rest: see :func:`authpool.cli.plan.apply`."""
    finished: set[int] = set()
    try:
        for p in plans:
            if p.action != "unchanged":
                _apply_one(backend, proj, p, remedies)
            finished.add(id(p))
    finally:
        removals = plans[len(proj.pools) :]
        proj.removed = [
            r
            for r, p in zip(proj.removed, removals, strict=True)
            if not (id(p) in finished and p.action in ("delete", "gone"))
        ]
        project.save(proj)


def _apply_one(backend: Backend, proj: Project, p: plan.PoolPlan, remedies: dict[str, str]) -> None:
    try:
        pool_id = plan.apply(backend, p, remedies)
    except ProjectError as exc:
        if p.created_id is not None and p.desired is not None:
            proj.pools[p.key]["id"] = p.created_id
        raise ProjectError(
            f"pool {p.key}: the {p.action} stopped part-way ({exc}); what was done stays "
            "done: run `authpool push` again to finish the rest"
        ) from exc
    if p.desired is not None and pool_id is not None:
        _record_ids(backend, proj.pools[p.key], pool_id)
    out.print(f"Pool {escape(p.key)}: {p.action} done.")


def _record_ids(backend: Backend, spec: dict[str, Any], pool_id: str) -> None:
    """Pin what push created to its ids in the file, so renames later stay renames."""
    spec["id"] = pool_id
    server = plan.read_pool(backend, pool_id)
    for name, client in spec["clients"].items():
        if name in server.clients:
            client["id"] = server.clients[name]["ClientId"]


def _write_outputs(backend: Backend, proj: Project) -> None:
    settings = proj.output_settings()
    key, client_name = settings["pool"], settings["client"]
    if key is None or client_name is None:
        out.print("No pool with a client: no configuration files written.")
        return
    pool_id = plan.find_pool(backend, key, proj.pools[key])
    if pool_id is None:
        raise ProjectError(f"pool {key} is not on the server yet: run `authpool push`")
    directory = (proj.directory / settings["directory"]).resolve()
    written = export_files(backend, pool_id, client_name, settings["formats"], directory)
    out.print("Wrote " + ", ".join(escape(str(p)) for p in written), soft_wrap=True)


def export_files(
    backend: Backend, pool_id: str, client: str | None, formats: list[str], directory: Path
) -> list[Path]:
    server = plan.read_pool(backend, pool_id)
    by_id = {c["ClientId"]: c for c in server.clients.values()}
    found: dict[str, Any] | None = None
    if client is None and len(server.clients) == 1:
        found = next(iter(server.clients.values()))
    elif client is not None:
        found = server.clients.get(client) or by_id.get(client)
    if found is None:
        raise ProjectError(
            f"pool {pool_id} has no client {client!r} "
            f"(it has: {', '.join(server.clients) or 'none'})"
        )
    target = export.Target(
        pool=server.spec,
        pool_id=pool_id,
        client_id=found["ClientId"],
        client_secret=found.get("ClientSecret"),
        endpoint=backend.endpoint,
        region=pool_id.split("_", 1)[0],
    )
    return export.write(target, formats, directory)


# pull / config export --------------------------------------------------------------------------
def _pool_key(proj: Project, spec: dict[str, Any]) -> str:
    for key, existing in proj.pools.items():
        if existing.get("id") == spec["id"]:
            return key
    base = re.sub(r"[^A-Za-z0-9_-]", "_", spec["name"])[:120] or "pool"
    key, n = base, 1
    while key in proj.pools:
        n += 1
        key = f"{base}{n}"
    return key


def pull(
    file: File = None,
    endpoint: Endpoint = None,
    region: Region = None,
    profile: Profile = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    pool_id: Annotated[
        Names, typer.Option("--pool-id", help="A pool to pull (repeat; default: the file's pools).")
    ] = None,
    no_outputs: Annotated[
        bool, typer.Option("--no-outputs", help="Do not write the client configuration files.")
    ] = False,
) -> None:
    """Write authpool.yaml from the server's pools (amplify pull)."""
    path = project.find(file)
    proj = project.load(path) if path.exists() else Project(path)
    backend = connect(
        Target(endpoint, region, profile, data_dir, database_url),
        file_endpoint=proj.endpoint,
        file_region=proj.region,
    )
    try:
        ids = list(pool_id or [])
        for key, spec in proj.pools.items():
            found = None if ids else plan.find_pool(backend, key, spec)
            ids += [found] if found else []
        if not ids:
            raise ProjectError("which pools? name them with --pool-id")
        for one in ids:
            spec = plan.read_pool(backend, one).spec
            key = _pool_key(proj, spec)
            spec["identity_pool"] = (proj.pools.get(key) or {}).get("identity_pool")
            proj.pools[key] = spec
            out.print(f"Pulled {escape(one)} as pool [bold]{escape(key)}[/bold].")
        if endpoint and not proj.endpoint:
            proj.endpoint = endpoint.rstrip("/")
        project.save(proj)
        out.print(f"Wrote {escape(str(path))}.")
        if not no_outputs:
            _write_outputs(backend, proj)
    finally:
        backend.close()


@config_app.command("export")
def config_export(
    file: File = None,
    endpoint: Endpoint = None,
    region: Region = None,
    profile: Profile = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    pool: PoolName = None,
    pool_id: Annotated[
        str | None, typer.Option("--pool-id", help="A pool on the server (no project file needed).")
    ] = None,
    client: Annotated[
        str | None, typer.Option("--client", help="The app client's name or id.")
    ] = None,
    fmt: Annotated[
        Names,
        typer.Option(
            "--format", help=", ".join(project.OUTPUT_FORMATS) + " (repeat; default all)."
        ),
    ] = None,
    out_dir: Annotated[Path | None, typer.Option("--out", help="Directory to write to.")] = None,
) -> None:
    """Write amplify_outputs.json, amplifyconfiguration.json/.dart and .env for an app."""
    for name in fmt or []:
        if name not in project.OUTPUT_FORMATS:
            raise ProjectError(
                f"--format: {name!r} is not one of {', '.join(project.OUTPUT_FORMATS)}"
            )
    proj = None if pool_id else project.load(project.find(file))
    backend = connect(
        Target(endpoint, region, profile, data_dir, database_url),
        file_endpoint=proj.endpoint if proj else None,
        file_region=proj.region if proj else None,
    )
    try:
        settings: dict[str, Any] = proj.output_settings() if proj else {}
        if proj is not None:
            key, spec = proj.pool(pool or settings["pool"])
            pool_id = plan.find_pool(backend, key, spec)
            if pool_id is None:
                raise ProjectError(f"pool {key} is not on the server yet: run `authpool push`")
            client = client or (settings["client"] if key == settings["pool"] else None)
        assert pool_id is not None
        directory = out_dir or (proj.directory / settings["directory"] if proj else Path.cwd())
        formats = list(fmt or settings.get("formats") or project.OUTPUT_FORMATS)
        written = export_files(backend, pool_id, client, formats, directory.resolve())
        out.print("Wrote " + ", ".join(escape(str(p)) for p in written), soft_wrap=True)
    finally:
        backend.close()
