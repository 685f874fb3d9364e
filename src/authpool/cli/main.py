"""``authpool``: serve, and manage access keys, pools, clients and the outbox."""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar, cast

import sqlalchemy as sa
import typer
from botocore import xform_name
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from authpool.cli import affinity, project_commands, runtime
from authpool.config import Settings, from_env
from authpool.domain import access_keys, clients, key_rotation, outbox, pools
from authpool.domain.context import Services
from authpool.domain.errors import CognitoError
from authpool.store.sql.engine import DatabaseUnavailable, current_revision
from authpool.vault import VaultError
from authpool.wire import shapes

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="authpool: a self-hosted server that speaks the Amazon Cognito user-pool API.",
)
keys_app = typer.Typer(no_args_is_help=True, help="Access keys for signed admin calls.")
pool_app = typer.Typer(no_args_is_help=True, help="User pools.")
client_app = typer.Typer(no_args_is_help=True, help="App clients.")
db_app = typer.Typer(no_args_is_help=True, help="The database.")
app.add_typer(keys_app, name="keys")
app.add_typer(pool_app, name="pool")
app.add_typer(client_app, name="client")
app.add_typer(db_app, name="db")
project_commands.register(app)  # auth add/update/remove, push, pull, config

out = Console()
err = Console(stderr=True)

DataDir = Annotated[
    Path | None, typer.Option("--data-dir", help="Data directory (database, master key).")
]
DatabaseUrl = Annotated[
    str | None, typer.Option("--database-url", help="sqlite:///path or postgresql://...")
]
AsJson = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]

T = TypeVar("T")


class CliError(Exception):
    """One line for the user, exit status 1."""


def _settings(data_dir: Path | None, database_url: str | None, **more: Any) -> Settings:
    return from_env().with_overrides(data_dir=data_dir, database_url=database_url, **more)


# What to close when the command ends (the database connections of the services it opened).
_to_close: list[Callable[[], None]] = []


def _services(data_dir: Path | None, database_url: str | None) -> Services:
    svc = runtime.open_services(_settings(data_dir, database_url))
    dispose = getattr(svc.store, "dispose", None)
    if dispose is not None:
        _to_close.append(dispose)
    return svc


def _wire(operation: str, member: str, result: dict[str, Any]) -> dict[str, Any]:
    """``result`` as ``aws cognito-idp <operation>`` prints its ``member``, dates in ISO 8601."""
    wire = shapes.response_to_wire(operation, {xform_name(member): result})
    shaped = dict(cast("dict[str, Any]", wire[member]))
    for key in ("CreationDate", "LastModifiedDate"):
        when = result.get(xform_name(key))
        if isinstance(when, datetime):
            shaped[key] = when.isoformat()
    return shaped


def _emit(data: Any, as_json: bool, render: Callable[[Any], None]) -> None:
    if as_json:
        out.print_json(json.dumps(data, default=str))
    else:
        render(data)


def _table(rows: list[dict[str, Any]], columns: list[str], title: str) -> None:
    table = Table(title=title)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*(escape(str(row.get(c, ""))) for c in columns))
    out.print(table)


def _kv(data: dict[str, Any]) -> None:
    for key, value in data.items():
        text = json.dumps(value, default=str) if isinstance(value, dict | list) else value
        out.print(f"[bold]{escape(key)}[/bold]: {escape(str(text))}", soft_wrap=True)


# serve -------------------------------------------------------------------------------------
@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    public_url: Annotated[
        str | None, typer.Option(help="Base URL clients see (token issuer).")
    ] = None,
    workers: Annotated[int | None, typer.Option(min=1, help="Worker processes.")] = None,
    dev: Annotated[
        bool, typer.Option("--dev", help="Development mode: unsigned admin calls, outbox.")
    ] = False,
    demo: Annotated[bool, typer.Option(help="Create a demo pool on first start.")] = True,
    pin_cpus: Annotated[
        bool | None,
        typer.Option("--pin-cpus", help="Pin each worker process to a CPU of its own."),
    ] = None,
) -> None:
    """Run the server."""
    import uvicorn

    settings = _settings(
        data_dir,
        database_url,
        host=host,
        port=port,
        public_url=public_url,
        workers=workers,
        dev=dev or None,
        pin_cpus=pin_cpus,
    )
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    svc = runtime.open_services(settings)
    if settings.dev:
        err.print(
            "[bold red]DEVELOPMENT MODE[/bold red]: admin operations accept ANY credentials "
            "and the outbox is readable without a signature. Never expose this server.",
            soft_wrap=True,
        )
    for warning in runtime.delivery_warnings(settings):
        err.print(f"[bold red]WARNING[/bold red]: {escape(warning)}", soft_wrap=True)
    if demo:
        found = runtime.ensure_demo(svc, settings.data_dir)
        if found is not None:
            sys.stdout.write(
                runtime.demo_banner(found, settings.resolved_public_url, settings.region) + "\n"
            )
            sys.stdout.flush()
    out.print(
        f"authpool listening on http://{settings.host}:{settings.port} "
        f"(database {_redact(settings.resolved_database_url)}, {settings.workers} worker(s))",
        soft_wrap=True,
        markup=False,
    )
    if settings.workers == 1:
        if settings.pin_cpus:
            affinity.pin(settings.data_dir)
        uvicorn.run(
            runtime.create_app(settings, svc),
            host=settings.host,
            port=settings.port,
            log_level="warning",
        )
        return
    # The workers open their own connection pools; this process only supervises them.
    dispose = getattr(svc.store, "dispose", None)
    if dispose is not None:
        dispose()
    _export(settings)
    uvicorn.run(
        "authpool.cli.asgi:create",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        log_level="warning",
    )


def _export(settings: Settings) -> None:
    os.environ.update(
        {
            "AUTHPOOL_DATA_DIR": str(settings.data_dir),
            "AUTHPOOL_DATABASE_URL": settings.resolved_database_url,
            "AUTHPOOL_HOST": settings.host,
            "AUTHPOOL_PORT": str(settings.port),
            "AUTHPOOL_PUBLIC_URL": settings.resolved_public_url,
            "AUTHPOOL_REGION": settings.region,
            "AUTHPOOL_DEV": "1" if settings.dev else "0",
            "AUTHPOOL_PIN_CPUS": "1" if settings.pin_cpus else "0",
        }
    )


def _redact(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        return f"{scheme}://{creds.split(':')[0]}:***@{host}" if ":" in creds else url
    return url


# keys --------------------------------------------------------------------------------------
@keys_app.command("create")
def keys_create(
    description: Annotated[str, typer.Option(help="What the key is for.")] = "",
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    as_json: AsJson = False,
) -> None:
    """Issue an access key; its secret is shown only now."""
    key = access_keys.create(_services(data_dir, database_url), description)
    data = {
        "AccessKeyId": key.access_key_id,
        "SecretAccessKey": key.secret_access_key,
        "Description": key.description,
    }

    def render(d: dict[str, Any]) -> None:
        _kv(d)
        out.print("Keep the secret now: it is not shown again.")

    _emit(data, as_json, render)


@keys_app.command("list")
def keys_list(
    data_dir: DataDir = None, database_url: DatabaseUrl = None, as_json: AsJson = False
) -> None:
    """List access keys (never their secrets)."""
    rows = [
        {
            "AccessKeyId": k.access_key_id,
            "Description": k.description,
            "Created": k.created_at.isoformat(),
            "Status": "Revoked" if k.revoked_at else "Active",
        }
        for k in access_keys.list_keys(_services(data_dir, database_url))
    ]
    _emit(
        rows,
        as_json,
        lambda r: _table(r, ["AccessKeyId", "Description", "Created", "Status"], "Access keys"),
    )


@keys_app.command("revoke")
def keys_revoke(
    access_key_id: str,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    as_json: AsJson = False,
) -> None:
    """Revoke an access key: requests signed with it are refused from now on."""
    access_keys.revoke(_services(data_dir, database_url), access_key_id)
    _emit({"AccessKeyId": access_key_id, "Status": "Revoked"}, as_json, _kv)


@keys_app.command("rotate-master")
def keys_rotate_master(
    data_dir: DataDir = None, database_url: DatabaseUrl = None, as_json: AsJson = False
) -> None:
    """Replace the server master key and re-seal every stored secret under the new one.
    Running workers pick the new key up by themselves; run it again if it is interrupted."""
    settings = _settings(data_dir, database_url)
    done = key_rotation.rotate_master_key(_services(data_dir, database_url),
                                          settings.master_key_path)  # fmt: skip
    data = {"KeyId": done.key_id, "Resealed": done.resealed, "Stale": done.stale}
    _emit(data, as_json, _kv)
    if any(done.stale.values()):
        raise CliError("some values are still sealed under an old key; run rotate-master again")


@keys_app.command("rotate-signing")
def keys_rotate_signing(
    pool_id: str,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    as_json: AsJson = False,
) -> None:
    """Give a pool a new token signing key; the old one stays in the JWKS until the tokens
    it signed have expired."""
    done = key_rotation.rotate_signing_key(_services(data_dir, database_url), pool_id)
    data = {"Kid": done.kid, "Retiring": list(done.retired), "RetireAt": done.retire_at.isoformat()}
    _emit(data, as_json, _kv)


# pools -------------------------------------------------------------------------------------
@pool_app.command("create")
def pool_create(
    name: str,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    as_json: AsJson = False,
) -> None:
    """Create a user pool with Cognito's defaults."""
    svc = _services(data_dir, database_url)
    if not 1 <= len(name) <= 128:
        raise CliError("a pool name has 1 to 128 characters")
    pool = pools.create_pool(svc, name, {})
    _emit({"Id": pool.id, "Name": pool.name}, as_json, _kv)


@pool_app.command("list")
def pool_list(
    data_dir: DataDir = None, database_url: DatabaseUrl = None, as_json: AsJson = False
) -> None:
    """List user pools."""
    svc = _services(data_dir, database_url)
    rows: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        found, token = pools.list_pools(svc, max_results=60, next_token=token)
        rows += [
            {"Id": p.id, "Name": p.name, "Created": p.record.created_at.isoformat()} for p in found
        ]
        if token is None:
            break
    _emit(rows, as_json, lambda r: _table(r, ["Id", "Name", "Created"], "User pools"))


@pool_app.command("describe")
def pool_describe(
    pool_id: str,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    as_json: AsJson = False,
) -> None:
    """Show a user pool's settings."""
    svc = _services(data_dir, database_url)
    described = pools.describe_pool(svc, pools.get_pool(svc, pool_id))
    _emit(_wire("DescribeUserPool", "UserPool", described), as_json, _kv)


@pool_app.command("delete")
def pool_delete(
    pool_id: str,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask.")] = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    as_json: AsJson = False,
) -> None:
    """Delete a user pool and every user in it."""
    svc = _services(data_dir, database_url)
    pools.get_pool(svc, pool_id)
    if not yes and not typer.confirm(f"Delete {pool_id} and all its users?"):
        raise CliError("not deleted")
    pools.delete_pool(svc, pool_id)
    _emit({"Id": pool_id, "Deleted": True}, as_json, _kv)


# clients -----------------------------------------------------------------------------------
@client_app.command("create")
def client_create(
    pool_id: str,
    name: str,
    secret: Annotated[bool, typer.Option("--secret", help="Generate a client secret.")] = False,
    flows: Annotated[
        str | None, typer.Option(help="Comma-separated ExplicitAuthFlows (ALLOW_...).")
    ] = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    as_json: AsJson = False,
) -> None:
    """Create an app client."""
    svc = _services(data_dir, database_url)
    settings: dict[str, Any] = {"prevent_user_existence_errors": "ENABLED"}
    if flows:
        settings["explicit_auth_flows"] = [f.strip() for f in flows.split(",") if f.strip()]
    client, client_secret = clients.create_client(
        svc, pool_id, name, settings, generate_secret=secret
    )
    data = {"ClientId": client.id, "ClientName": name, "UserPoolId": pool_id}
    if client_secret:
        data["ClientSecret"] = client_secret
    _emit(data, as_json, _kv)


@client_app.command("list")
def client_list(
    pool_id: str,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    as_json: AsJson = False,
) -> None:
    """List a pool's app clients."""
    svc = _services(data_dir, database_url)
    rows: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        found, token = clients.list_clients(svc, pool_id, max_results=60, next_token=token)
        rows += [{"ClientId": c.id, "ClientName": c.record.name} for c in found]
        if token is None:
            break
    _emit(rows, as_json, lambda r: _table(r, ["ClientId", "ClientName"], f"Clients of {pool_id}"))


@client_app.command("describe")
def client_describe(
    pool_id: str,
    client_id: str,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    as_json: AsJson = False,
) -> None:
    """Show an app client's settings."""
    svc = _services(data_dir, database_url)
    described = clients.describe_client(svc, clients.get_client(svc, client_id, pool_id))
    _emit(_wire("DescribeUserPoolClient", "UserPoolClient", described), as_json, _kv)


# outbox ------------------------------------------------------------------------------------
@app.command("outbox")
def outbox_cmd(
    pool: Annotated[str | None, typer.Option("--pool", help="Only this pool.")] = None,
    username: Annotated[str | None, typer.Option(help="Only this user.")] = None,
    follow: Annotated[
        bool, typer.Option("--follow", "-f", help="Keep printing new messages.")
    ] = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    as_json: AsJson = False,
) -> None:
    """Print the messages the server sent (codes included). With --json: a JSON array, or
    with --follow one JSON object per line."""
    svc = _services(data_dir, database_url)
    last: int | None = None
    if as_json and not follow:
        messages = outbox.list_messages(svc, pool_id=pool, username=username)
        _emit(messages, as_json, lambda _: None)
        return
    while True:
        messages = outbox.list_messages(svc, pool_id=pool, username=username, after_id=last)
        for m in messages:
            if as_json:
                sys.stdout.write(json.dumps(m) + "\n")
                sys.stdout.flush()
            else:
                out.print(
                    f"{m['sent_at']} {m['medium']} {m['purpose']} to {m['destination']} "
                    f"({m['username']} in {m['pool_id']}): code {m['code'] or '-'}",
                    soft_wrap=True,
                    markup=False,
                )
            last = m["id"]
        if not follow:
            return
        time.sleep(1.0)


# db ----------------------------------------------------------------------------------------
@db_app.command("upgrade")
def db_upgrade(data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:
    """Bring the database schema up to date (also done on every start)."""
    svc = _services(data_dir, database_url)
    out.print(f"schema at revision {current_revision(svc.store.engine)}")  # type: ignore[attr-defined]


def _fail(message: str, code: int = 1) -> NoReturn:
    """One line on stderr, then exit: never a traceback for an expected failure."""
    line = " ".join(str(message).split()) or "failed"
    err.print(f"[red]error:[/red] {escape(line)}", highlight=False, soft_wrap=True)
    sys.exit(code)


def main(argv: list[str] | None = None) -> None:
    try:
        code = app(args=argv, standalone_mode=False)
    except DatabaseUnavailable as exc:
        _fail(f"cannot use the database: {exc}")
    except (CliError, CognitoError, VaultError, ValueError, OSError) as exc:
        _fail(getattr(exc, "message", None) or str(exc) or type(exc).__name__)
    except sa.exc.SQLAlchemyError as exc:
        detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        _fail(f"database error: {detail[0] if detail else type(exc).__name__}")
    except typer.Abort:
        err.print("aborted")
        sys.exit(1)
    except typer.TyperException as exc:  # usage errors: bad or missing arguments, options
        format_message = getattr(exc, "format_message", None)
        _fail(format_message() if format_message else str(exc), getattr(exc, "exit_code", 2))
    finally:
        while _to_close:
            _to_close.pop()()
    if isinstance(code, int) and code:
        sys.exit(code)


if __name__ == "__main__":
    main()
