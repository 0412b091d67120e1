"""Reading tables from a database instead of files: a DuckDB file or PostgreSQL.

A source is a URL and, per table, a table name or a query:

* ``duckdb:///path/crm.duckdb`` (or just a path ending ``.duckdb``, ``.ddb``, ``.db``),
  opened read-only;
* ``postgresql://user:password@host:5432/database`` (or ``postgres://``), in a read-only
  session, rows fetched in batches through a server-side cursor.

``accounts`` or ``crm.accounts`` names a table (quoted as an identifier, so any name works);
anything that starts like a query (``SELECT``, ``WITH``, ``FROM``, ``VALUES``, ``TABLE``) is run
as one. Values keep their database types (numbers, dates, booleans, arrays); a row's "line" in
the quarantine is its position plus one. Connection and SQL errors become one-line
:class:`IcpkitError` messages; a password in the URL is never shown.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pyarrow as pa

from icpkit.errors import IcpkitError
from icpkit.ingest.canonical import one_line
from icpkit.ingest.readers import RawTable, raw_from_arrow

BATCH_ROWS = 50_000
_QUERY_START = re.compile(r"^\s*(?:\(\s*)?(?:select|with|from|values|table)\b", re.IGNORECASE)
_DUCKDB_SUFFIXES = (".duckdb", ".ddb", ".db")


def is_database_url(url: str) -> bool:
    """True for the URLs :func:`read_database` understands."""
    lowered = url.lower()
    return lowered.startswith(("postgresql://", "postgres://", "duckdb:")) or lowered.endswith(
        _DUCKDB_SUFFIXES
    )


def is_query(source: str) -> bool:
    """Whether ``source`` is a query (else a table name)."""
    return bool(_QUERY_START.match(source))


def read_database(url: str, source: str) -> RawTable:
    """Read one table or query result from the database at ``url``."""
    source = source.strip()
    if not source:
        raise IcpkitError("give a table name or a query", file=redact(url))
    lowered = url.lower()
    if lowered.startswith(("postgresql://", "postgres://")):
        return _read_postgres(url, source)
    if lowered.startswith("duckdb:") or lowered.endswith(_DUCKDB_SUFFIXES):
        return _read_duckdb(url, source)
    raise IcpkitError(
        "not a database URL (expected postgresql://... or duckdb:///path/file.duckdb)",
        file=redact(url),
    )


def redact(url: str) -> str:
    """The URL without its password: ``postgresql://ana:***@host/db``."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    netloc = f"{parts.username or ''}:***@{host}"
    return urlunsplit(parts._replace(netloc=netloc))


def _label(url: str, source: str) -> str:
    shown = redact(url)
    if is_query(source):
        query = " ".join(source.split())
        return f"{shown} (query: {query[:60]}{'...' if len(query) > 60 else ''})"
    return f"{shown} (table {source})"


def _table_parts(source: str) -> list[str]:
    """``crm.accounts`` → ``["crm", "accounts"]``; a quoted part keeps its dots."""
    parts = re.findall(r'"((?:[^"]|"")*)"|([^.]+)', source)
    return [quoted.replace('""', '"') if quoted else plain.strip() for quoted, plain in parts]


# ---------------------------------------------------------------------------------------------
# DuckDB


def _duckdb_path(url: str) -> str:
    if url.lower().startswith("duckdb:"):
        path = url[len("duckdb:") :]
        return path[2:] if path.startswith("//") else path
    return url


def _read_duckdb(url: str, source: str) -> RawTable:
    import duckdb

    label = _label(url, source)
    path = _duckdb_path(url)
    if not Path(path).is_file():
        raise IcpkitError("DuckDB file not found", file=label)
    if is_query(source):
        sql = source
    else:
        sql = "SELECT * FROM " + ".".join(
            '"' + part.replace('"', '""') + '"' for part in _table_parts(source)
        )
    try:
        with duckdb.connect(path, read_only=True) as connection:
            relation = connection.sql(sql)
            if relation is None:
                raise IcpkitError("the query returns no rows (it is not a SELECT)", file=label)
            fetch = getattr(relation, "to_arrow_table", None) or relation.arrow
            table = fetch()
    except duckdb.Error as error:
        raise IcpkitError(f"DuckDB: {one_line(error)}", file=label) from None
    return _described(raw_from_arrow(table, label, "duckdb"), source)


# ---------------------------------------------------------------------------------------------
# PostgreSQL


def _read_postgres(url: str, source: str) -> RawTable:
    import psycopg
    from psycopg import sql

    label = _label(url, source)
    if is_query(source):
        statement: sql.SQL | sql.Composed = sql.SQL(source)
    else:
        statement = sql.SQL("SELECT * FROM {}").format(sql.Identifier(*_table_parts(source)))
    try:
        with psycopg.connect(url, connect_timeout=10) as connection:
            connection.read_only = True
            with connection.cursor(name="icpkit_ingest") as cursor:
                cursor.itersize = BATCH_ROWS
                cursor.execute(statement)
                names = [column.name for column in cursor.description or []]
                columns: list[list] = [[] for _ in names]
                while rows := cursor.fetchmany(BATCH_ROWS):
                    for values, row in zip(columns, zip(*rows, strict=True), strict=True):
                        values.extend(row)
    except psycopg.OperationalError as error:
        reason = one_line(error).replace(url, redact(url))
        raise IcpkitError(f"cannot connect to PostgreSQL: {reason}", file=redact(url)) from None
    except psycopg.Error as error:
        diagnostic = getattr(error, "diag", None)
        reason = getattr(diagnostic, "message_primary", None) or one_line(error)
        raise IcpkitError(f"PostgreSQL: {reason}", file=label) from None
    table = pa.table(
        {name: _arrow_column(values) for name, values in zip(names, columns, strict=True)}
    )
    return _described(raw_from_arrow(table, label, "postgresql"), source)


def _arrow_column(values: list) -> pa.Array:
    """Database values as an Arrow column; a type Arrow cannot hold (UUID, JSON objects,
    ranges) as text."""
    try:
        return pa.array(values, from_pandas=True)
    except (pa.ArrowException, TypeError, ValueError):
        return pa.array([None if v is None else str(v) for v in values], type=pa.string())


def _described(raw: RawTable, source: str) -> RawTable:
    raw.source = {"query": source} if is_query(source) else {"table": source}
    return raw
